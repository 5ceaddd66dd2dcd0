from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .services import value_tiers


@db_task()
def recompute_value_tiers() -> dict:
    return value_tiers.recompute()


@db_periodic_task(crontab(hour="3", minute="15"))
def nightly_value_tiers() -> None:
    value_tiers.recompute()
