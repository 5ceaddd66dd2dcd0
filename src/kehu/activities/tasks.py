from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from kehu.core import clock

from . import services


@db_periodic_task(crontab(minute="*"))
def send_reminders() -> int:
    """Every minute: reminders of tasks and appointments whose time has come."""
    return services.send_due_reminders(clock.now())
