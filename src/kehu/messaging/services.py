"""Notifications: one call for every domain that needs to tell someone something.

    messaging.register_kind("lead_assigned", _("Lead assigned"), _("%(lead)s was assigned to you"))
    messaging.notify([user], "lead_assigned", data={"lead": str(lead)}, url=…, level="strong")

Every notification is stored in the recipient's in-app inbox. Delivery beyond the inbox
(e-mail, SMS/IM gateways …) is done by channel adapters registered with ``register_channel``;
they run after the transaction commits, so a rolled-back change sends nothing.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kehu.core import clock
from kehu.core.bulk import insert_objects, insert_rows

from .models import Notification


@dataclass(frozen=True)
class Kind:
    code: str
    label: object
    template: object


KINDS: dict[str, Kind] = {}
# adapter(notifications) is called with the notifications just created (after commit).
CHANNELS: list[Callable[[list[Notification]], None]] = []


def register_kind(code: str, label, template) -> str:
    KINDS[code] = Kind(code, label, template)
    return code


def register_channel(adapter: Callable[[list[Notification]], None]) -> None:
    if adapter not in CHANNELS:
        CHANNELS.append(adapter)


MESSAGE = register_kind("message", _("Message"), _("%(text)s"))


def describe(notification: Notification) -> str:
    kind = KINDS.get(notification.kind)
    if kind is None:
        return notification.kind
    try:
        return str(kind.template) % notification.data
    except (KeyError, TypeError, ValueError):
        return str(kind.label)


def notify(
    recipients: Iterable,
    kind: str,
    *,
    data: dict | None = None,
    url: str = "",
    level: str = Notification.Level.NORMAL,
    dedupe_key: str = "",
) -> list[Notification]:
    """Store a notification for each recipient (once per ``dedupe_key``) and hand them to channels."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}; register it with register_kind")
    created = []
    now = clock.now()
    for recipient in recipients:
        if recipient is None:
            continue
        user_id = recipient if isinstance(recipient, int) else recipient.pk
        if dedupe_key and Notification.objects.filter(recipient_id=user_id, dedupe_key=dedupe_key).exists():
            continue
        try:
            with transaction.atomic():
                created.append(
                    Notification.objects.create(
                        recipient_id=user_id,
                        kind=kind,
                        level=level,
                        data=data or {},
                        url=url,
                        dedupe_key=dedupe_key,
                        created_at=now,
                    )
                )
        except IntegrityError:  # a concurrent sweep stored the same reminder first
            continue
    if created and CHANNELS:
        transaction.on_commit(lambda: _deliver(created))
    return created


NOTICE_FIELDS = ("recipient_id", "kind", "level", "data", "url", "created_at", "dedupe_key")


def notify_many(notices: list[tuple]) -> None:
    """Many notifications, each its own ``(recipient_id, kind, level, data, url, created_at)``,
    in one insert and one hand-over to the channels (batches: an import's chunk tells a
    dozen owners at once). No dedupe keys; model instances are built only when a delivery
    channel needs them."""
    if not notices:
        return
    for notice in notices:
        if notice[1] not in KINDS:
            raise ValueError(f"unknown notification kind {notice[1]!r}; register it with register_kind")
    with transaction.atomic():  # ids are allocated inside it
        if CHANNELS:
            # Positional construction (all concrete fields in order) skips __init__'s kwargs handling.
            attnames = [f.attname for f in Notification._meta.concrete_fields]
            rows = [dict(zip(NOTICE_FIELDS, (*n, ""), strict=True)) for n in notices]
            created = insert_objects([Notification(*map(row.get, attnames)) for row in rows])
            transaction.on_commit(lambda: _deliver(created))
        else:
            insert_rows(Notification, NOTICE_FIELDS, ((*n, "") for n in notices))


def _deliver(notifications: list[Notification]) -> None:
    for adapter in CHANNELS:
        adapter(notifications)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, notification_ids: Iterable[int] | None = None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=clock.now())
