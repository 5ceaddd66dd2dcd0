import socket

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import clock
from .models import WorkerHeartbeat


@db_task()
def heartbeat(name: str = "") -> str:
    """Record that a worker is alive; run every minute, or on demand to check the queue."""
    name = name or socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"seen_at": clock.now()})
    return name


def worker_seen_within(minutes: int = 3) -> bool:
    """Whether a task worker has beaten in the last ``minutes`` (it beats every minute)."""
    import datetime as dt

    since = clock.now() - dt.timedelta(minutes=minutes)
    return WorkerHeartbeat.objects.filter(seen_at__gte=since).exists()


@db_periodic_task(crontab(minute="*"))
def periodic_heartbeat() -> None:
    heartbeat.call_local()


@db_periodic_task(crontab(minute="*/10"))
def refresh_metric_summaries() -> None:
    """Keep the daily summary of the performance metrics (``core.metrics``) current."""
    from . import metrics

    metrics.refresh()
