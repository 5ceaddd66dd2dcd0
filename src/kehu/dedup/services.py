"""Reviewing suspected duplicates: merge (archive, not delete; logged; undoable) or dismiss."""

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.accounts.scope import get_scoped
from kehu.core import audit, clock
from kehu.core.errors import Conflict, Forbidden

from . import store
from .models import LEAD, DedupMatch, Merge

# Fields of the kept lead filled from the merged one when empty.
FILLABLE = ["name", "company", "title", "phone", "phone_key", "email", "wechat", "id_number", "credit_code"]
FILLABLE += [
    "address",
    "province_id",
    "city_id",
    "district_id",
    "industry_id",
    "company_size",
    "demand_type_id",
]
FILLABLE += ["urgency", "company_key"]


def _check(actor):
    from kehu.leads.capabilities import MERGE_LEADS

    if not actor.can(MERGE_LEADS):
        raise Forbidden(_("Your role may not merge leads."))


@transaction.atomic
def merge(actor, kept_id: int, merged_id: int, match: DedupMatch | None = None) -> Merge:
    """Fold lead ``merged`` into ``kept``: fill kept's empty fields, archive merged."""
    from kehu.leads.models import Lead

    _check(actor)
    kept = get_scoped(actor, Lead.objects.select_for_update(), pk=kept_id)
    merged = get_scoped(actor, Lead.objects.select_for_update(), pk=merged_id)
    if kept.pk == merged.pk or kept.archived_at or merged.archived_at:
        raise Conflict(_("These leads cannot be merged (one is already merged away)."))
    now = clock.now()
    filled = {}
    for field in FILLABLE:
        mine, theirs = getattr(kept, field), getattr(merged, field)
        if not mine and theirs:
            filled[field] = [mine, theirs]
            setattr(kept, field, theirs)
    kept.updated_at = now
    kept.save()
    before = {"archived_at": None, "duplicate_of_id": merged.duplicate_of_id}
    merged.archived_at, merged.duplicate_of_id, merged.updated_at = now, kept.pk, now
    merged.save(update_fields=["archived_at", "duplicate_of", "updated_at"])
    Lead.objects.filter(duplicate_of_id=merged.pk).update(duplicate_of_id=kept.pk)
    store.index_leads([kept.pk])
    store.drop_keys(LEAD, [merged.pk])
    if match is not None:
        match.review, match.reviewed_by, match.reviewed_at = DedupMatch.Review.MERGED, actor, now
        match.save(update_fields=["review", "reviewed_by", "reviewed_at"])
    record = Merge.objects.create(
        kept=kept,
        merged=merged,
        match=match,
        filled=_jsonable(filled),
        merged_before=before,
        actor=actor,
        at=now,
    )
    audit.record(actor, kept, "merge", {"merged": [None, str(merged)], **_jsonable(filled)})
    audit.record(actor, merged, "merged_into", {"kept": [None, str(kept)]})
    return record


def _jsonable(filled: dict) -> dict:
    return {
        k: [None if v is None else (v if isinstance(v, int | str) else str(v)) for v in pair]
        for k, pair in filled.items()
    }


@transaction.atomic
def undo(actor, merge_id: int) -> Merge:
    from kehu.leads.models import Lead

    _check(actor)
    record = get_scoped(actor, Merge.objects.select_for_update(), pk=merge_id)
    if record.undone_at:
        raise Conflict(_("This merge was already undone."))
    kept = Lead.objects.select_for_update().get(pk=record.kept_id)
    merged = Lead.objects.select_for_update().get(pk=record.merged_id)
    now = clock.now()
    for field, (before, after) in record.filled.items():
        if str(getattr(kept, field)) == str(after):  # untouched since the merge
            setattr(
                kept, field, before if before is not None else ("" if not field.endswith("_id") else None)
            )
    kept.updated_at = now
    kept.save()
    merged.archived_at = None
    merged.duplicate_of_id = record.merged_before.get("duplicate_of_id")
    merged.updated_at = now
    merged.save(update_fields=["archived_at", "duplicate_of", "updated_at"])
    store.index_leads([kept.pk, merged.pk])
    if record.match_id:
        DedupMatch.objects.filter(pk=record.match_id).update(review=DedupMatch.Review.OPEN, reviewed_at=None)
    record.undone_at, record.undone_by = now, actor
    record.save(update_fields=["undone_at", "undone_by"])
    audit.record(actor, kept, "unmerge", {"merged": [str(merged), None]})
    audit.record(actor, merged, "unmerged", {"kept": [str(kept), None]})
    return record


@transaction.atomic
def dismiss(actor, match: DedupMatch) -> DedupMatch:
    _check(actor)
    match.review, match.reviewed_by, match.reviewed_at = DedupMatch.Review.DISMISSED, actor, clock.now()
    match.save(update_fields=["review", "reviewed_by", "reviewed_at"])
    audit.record(
        actor, match.lead, "not_duplicate", {"other": [None, str(match.other_lead or match.customer)]}
    )
    return match


def review_queue(actor):
    """Open suspected duplicates between two live leads the actor can both see."""
    from kehu.accounts.scope import scoped
    from kehu.leads.models import Lead

    visible = scoped(actor, Lead).filter(archived_at__isnull=True).values("pk")
    return (
        DedupMatch.objects.filter(
            review=DedupMatch.Review.OPEN, other_lead__isnull=False, lead__in=visible, other_lead__in=visible
        )
        .select_related("lead", "other_lead", "lead__channel", "other_lead__channel")
        .order_by("-score", "-id")
    )
