"""Periodic pool work (Huey): reminders, then reclaiming what expired."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import sweeps


@db_periodic_task(crontab(minute="*/5"))
def pool_reminders() -> dict:
    report = sweeps.send_reminders()
    return {"done": report.done, "failed": len(report.failures)}


@db_periodic_task(crontab(minute="*/5"))
def pool_reclaim() -> dict:
    report = sweeps.reclaim_expired()
    return {"done": report.done, "failed": len(report.failures)}
