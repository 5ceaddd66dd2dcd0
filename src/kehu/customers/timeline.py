"""The customer timeline (客户动态): what happened, appended by every domain.

Apps register the kinds they write (``register_kind``) so the UI can label, describe and
filter them; they append with ``record``. System-written entries store data, not text:
the description is rendered in the reader's language from the kind's template.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kehu.core import clock

from .models import Customer, TimelineEntry


@dataclass(frozen=True)
class Kind:
    code: str
    label: object
    # e.g. _("Owner changed from %(old)s to %(new)s"), filled from entry.data; or a function
    # data -> text, for entries whose data holds codes that must be translated when read.
    template: object = None


KINDS: dict[str, Kind] = {}


def register_kind(code: str, label, template=None) -> str:
    KINDS[code] = Kind(code, label, template)
    return code


CREATED = register_kind("created", _("Created"), _("Customer created"))
NOTE = register_kind("note", _("Note"))
CONSULTATION = register_kind("consultation", _("Consultation"))
OWNER_CHANGE = register_kind("owner_change", _("Owner change"), _("Owner changed from %(old)s to %(new)s"))
SYSTEM = register_kind("system", _("System event"))


def record(
    customer: Customer | int,
    kind: str,
    title="",
    *,
    actor=None,
    body: str = "",
    data: dict | None = None,
    at=None,
    ref_type: str = "",
    ref_id: int | None = None,
) -> TimelineEntry:
    if kind not in KINDS:
        raise ValueError(f"unknown timeline kind {kind!r}; register it with register_kind")
    customer_id = customer if isinstance(customer, int) else customer.pk
    return TimelineEntry.objects.create(
        customer_id=customer_id,
        kind=kind,
        title=str(title)[:200],
        body=body,
        data=data or {},
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or clock.now(),
        ref_type=ref_type,
        ref_id=ref_id,
    )


def record_many(kind: str, entries: list[dict], *, actor=None) -> list[TimelineEntry]:
    """Many entries of one kind at once (an import): each dict has ``customer`` (id) and any
    of ``title``, ``body``, ``data``, ``at``, ``ref_type``, ``ref_id`` as for ``record``."""
    if kind not in KINDS:
        raise ValueError(f"unknown timeline kind {kind!r}; register it with register_kind")
    now = clock.now()
    actor = actor if getattr(actor, "pk", None) else None
    return TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                customer_id=e["customer"],
                kind=kind,
                title=str(e.get("title", ""))[:200],
                body=e.get("body", ""),
                data=e.get("data") or {},
                actor=actor,
                at=e.get("at") or now,
                ref_type=e.get("ref_type", ""),
                ref_id=e.get("ref_id"),
            )
            for e in entries
        ]
    )


def label(kind: str) -> str:
    entry_kind = KINDS.get(kind)
    return str(entry_kind.label) if entry_kind else kind


def describe(entry: TimelineEntry) -> str:
    """The entry's headline in the current language."""
    entry_kind = KINDS.get(entry.kind)
    if entry_kind and entry_kind.template and not entry.title:
        try:
            if callable(entry_kind.template):
                return str(entry_kind.template(entry.data))
            return str(entry_kind.template) % entry.data
        except (KeyError, TypeError, ValueError, AttributeError):
            return str(entry_kind.label)
    return entry.title or label(entry.kind)
