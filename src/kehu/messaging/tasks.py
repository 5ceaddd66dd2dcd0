from huey.contrib.djhuey import db_task

from . import channels


@db_task(retries=2, retry_delay=60)
def deliver_notifications(notification_ids: list[int]) -> dict:
    return channels.deliver(notification_ids)
