from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import summaries


@db_periodic_task(crontab(minute="*/10"))
def refresh_summaries() -> None:
    """Keep the analytics summaries at most ten minutes behind the domains' tables."""
    summaries.refresh()
