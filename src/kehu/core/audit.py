"""The audit log: every service that changes a record reports it here.

Services take a snapshot before and after a change; ``record`` stores the difference
with values rendered for people (a foreign key shows the related record's name).
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.contenttypes.models import ContentType
from django.db import models

from . import clock
from .models import AuditEntry

_source: ContextVar[str] = ContextVar("kehu_audit_source", default="system")


@contextmanager
def source(name: str):
    """Mark changes made inside the block as coming from ``name`` (ui, api, cli …)."""
    token = _source.set(name)
    try:
        yield
    finally:
        _source.reset(token)


def _render(value) -> object:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        return sorted(str(v) for v in value)
    return str(value)


def snapshot(instance: models.Model, fields: list[str] | None = None, m2m: list[str] | None = None) -> dict:
    """Field name -> value; related records and ``m2m`` fields are stored as their labels.

    Choice fields keep their value; ``readable_changes`` shows it in the reader's language.
    """
    data = {}
    for field in instance._meta.concrete_fields:
        if field.primary_key or (fields is not None and field.name not in fields):
            continue
        if field.name in {"created_at", "updated_at"} or field.name.endswith("_key"):
            continue
        if field.is_relation:
            data[field.name] = _render(getattr(instance, field.name))
        else:
            data[field.name] = _render(getattr(instance, field.attname))
    for name in m2m or []:
        data[name] = sorted(str(obj) for obj in getattr(instance, name).all())
    return data


def diff(before: dict, after: dict) -> dict:
    return {
        k: [before.get(k), after.get(k)]
        for k in after.keys() | before.keys()
        if before.get(k) != after.get(k)
    }


def record(actor, instance: models.Model, action: str, changes: dict | None = None) -> AuditEntry | None:
    if action == AuditEntry.Action.UPDATE and not changes:
        return None  # a save that changed nothing is not an event
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=instance.pk,
        object_repr=str(instance)[:200],
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        at=clock.now(),
        source=_source.get(),
        changes=changes or {},
    )


def readable_changes(model, changes: dict) -> list[tuple[str, object, object]]:
    """(field label, old, new) in the reader's language: choice values become their labels."""
    rows = []
    for name, (old, new) in sorted(changes.items()):
        try:
            field = model._meta.get_field(name)
        except Exception:
            rows.append((name, old, new))
            continue
        choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
        label = str(getattr(field, "verbose_name", name))
        rows.append((label, *(choices.get(v, v) if isinstance(v, str | int) else v for v in (old, new))))
    return rows


def history(instance: models.Model):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=False),
        object_id=instance.pk,
    ).select_related("actor")
