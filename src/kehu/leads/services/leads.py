"""Editing a lead's own fields (not ownership or status: the pool domain changes those)."""

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit, clock
from kehu.core.errors import ValidationFailed
from kehu.dedup import store

from ..models import Lead
from .grading import Grader
from .validation import FIELDS, Lookups, clean_lead

GRADED = ("phone", "email", "company", "title", "address", "city", "industry", "company_size")
GRADED += ("demand_type", "urgency", "notes", "wechat", "credit_code")
EDITABLE = [f for f in FIELDS if f != "channel"] + ["channel"]


@transaction.atomic
def update_lead(actor, lead: Lead, data: dict) -> Lead:
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    data = {k: v for k, v in data.items() if k in EDITABLE}
    values, errors = clean_lead(data, Lookups(), partial=True)
    if errors:
        raise ValidationFailed(fields=errors)
    before = audit.snapshot(lead)
    for name, value in values.items():
        setattr(lead, name, value)
    check = {f: getattr(lead, f) for f in ("name", "company", "phone", "email", "wechat")}
    if not (check["name"] or check["company"]):
        raise ValidationFailed(fields={"name": [_("Give a contact name or a company name.")]})
    grader = Grader()
    lead.score = grader.score({f: getattr(lead, f) for f in GRADED})
    lead.grade = grader.grade(lead.score)
    lead.updated_at = clock.now()
    lead.save()
    store.index_leads([lead.pk])
    audit.record(actor, lead, "update", audit.diff(before, audit.snapshot(lead)))
    return lead


def touch_follow_up(lead_id: int, at=None) -> None:
    """Another domain (activities) tells us someone followed the lead up at ``at``: the lead's
    "last follow-up" moves forward (never back, so a back-dated note changes nothing)."""
    at = at or clock.now()
    Lead.objects.filter(pk=lead_id).exclude(last_follow_up_at__gt=at).update(last_follow_up_at=at)
