"""Periodic assignment work (Huey): route leads that intake left NEW (a failed routing)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import routing


@db_periodic_task(crontab(minute="*/5"))
def route_stuck_leads() -> dict:
    """Bounded: one batch per run, its own transaction; failures stay recorded per lead."""
    return routing.retry_stuck()
