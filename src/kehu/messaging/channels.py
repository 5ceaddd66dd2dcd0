"""Channel adapters: deliver notifications beyond the in-app inbox.

The inbox is the in-app channel (every notification is stored there). For each active
``DeliveryChannel`` whose level a notification reaches, an adapter sends it:

- ``email``: Django's mail backend (SMTP in production) to the recipient's e-mail;
- ``sms``/``webhook``: JSON POST ``{"to": mobile, "text": …}`` to the gateway;
- ``wecom``/``dingtalk``/``feishu``: the robot's text message, mentioning the recipient's
  mobile where the platform supports it.

Delivery runs in a Huey task after the transaction commits, so a slow gateway never holds
up a request; failures are logged with the channel and the notification, never raised
into the business operation.
"""

import json
import logging
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

from .models import DeliveryChannel, Notification

log = logging.getLogger(__name__)
LEVELS = {Notification.Level.QUIET: 0, Notification.Level.NORMAL: 1, Notification.Level.STRONG: 2}
TIMEOUT = 5


def text_for(notification: Notification) -> str:
    from .services import describe

    language = getattr(notification.recipient, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        return describe(notification)


def payload(kind: str, text: str, mobile: str) -> dict:
    if kind == DeliveryChannel.Kind.WECOM:
        return {
            "msgtype": "text",
            "text": {"content": text, "mentioned_mobile_list": [mobile] if mobile else []},
        }
    if kind == DeliveryChannel.Kind.DINGTALK:
        return {"msgtype": "text", "text": {"content": text}, "at": {"atMobiles": [mobile] if mobile else []}}
    if kind == DeliveryChannel.Kind.FEISHU:
        return {"msg_type": "text", "content": {"text": text}}
    return {"to": mobile, "text": text}


def post_json(url: str, body: dict) -> int:
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - administrators configure http(s) URLs
        url, data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        return response.status


def send(channel: DeliveryChannel, notification: Notification) -> bool:
    """Send one notification over one channel; True when handed over."""
    recipient = notification.recipient
    text = text_for(notification)
    if channel.kind == DeliveryChannel.Kind.EMAIL:
        if not recipient.email:
            return False
        subject = text if len(text) <= 78 else text[:75] + "…"
        send_mail(subject, text, settings.DEFAULT_FROM_EMAIL, [recipient.email], fail_silently=False)
        return True
    if not channel.url:
        return False
    if channel.kind == DeliveryChannel.Kind.SMS and not recipient.mobile:
        return False
    status = post_json(channel.url, payload(channel.kind, text, recipient.mobile))
    if status >= 300:
        raise OSError(f"gateway answered HTTP {status}")
    return True


def deliver(notification_ids: list[int]) -> dict:
    """Send the given notifications over every channel they qualify for."""
    channels = list(DeliveryChannel.objects.filter(active=True))
    sent = failed = 0
    if not channels:
        return {"sent": 0, "failed": 0}
    for notification in Notification.objects.filter(pk__in=notification_ids).select_related("recipient"):
        for channel in channels:
            if LEVELS.get(notification.level, 1) < LEVELS.get(channel.min_level, 2):
                continue
            try:
                sent += bool(send(channel, notification))
            except Exception as exc:
                failed += 1
                log.error("notification %s over channel %s failed: %s", notification.pk, channel, exc)
    return {"sent": sent, "failed": failed}


def dispatch(notifications: list[Notification]) -> None:
    """The adapter registered with ``services.register_channel``: queue the delivery."""
    if not DeliveryChannel.objects.filter(active=True).exists():
        return
    from .tasks import deliver_notifications

    deliver_notifications([n.pk for n in notifications])
