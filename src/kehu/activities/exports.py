"""Rows for the CSV / Excel exports of activity lists (callers pass scoped querysets)."""

from django.utils import timezone
from django.utils.translation import gettext as _


def _when(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def follow_up_rows(qs):
    headers = [
        _("When"),
        _("Kind"),
        _("Customer"),
        _("Lead"),
        _("Contact"),
        _("Content"),
        _("Outcome"),
        _("Next follow-up"),
        _("By"),
    ]
    qs = qs.select_related("customer", "lead", "contact", "author").order_by("-at", "-id")

    def rows():
        for f in qs.iterator(chunk_size=2000):
            yield [
                _when(f.at),
                f.get_kind_display(),
                str(f.customer or ""),
                str(f.lead or ""),
                str(f.contact or ""),
                f.content,
                f.outcome,
                _when(f.next_at),
                str(f.author or ""),
            ]

    return headers, rows()


def task_rows(qs):
    headers = [_("Task"), _("Due"), _("Assignee"), _("Customer"), _("Lead"), _("Done"), _("Notes")]
    qs = qs.select_related("owner", "customer", "lead")

    def rows():
        for t in qs.iterator(chunk_size=2000):
            yield [
                t.title,
                _when(t.due_at),
                str(t.owner),
                str(t.customer or ""),
                str(t.lead or ""),
                _when(t.done_at),
                t.notes,
            ]

    return headers, rows()


def appointment_rows(qs):
    headers = [
        _("Title"),
        _("Start"),
        _("End"),
        _("Place"),
        _("Customer"),
        _("Organizer"),
        _("Attendees"),
        _("Status"),
    ]
    qs = qs.select_related("customer", "organizer").prefetch_related("attendees")

    def rows():
        for a in qs.iterator(chunk_size=1000):
            yield [
                a.title,
                _when(a.start),
                _when(a.end),
                a.place,
                str(a.customer or ""),
                str(a.organizer or ""),
                ", ".join(str(u) for u in a.attendees.all()),
                a.get_status_display(),
            ]

    return headers, rows()


def case_rows(qs):
    headers = [
        _("Opened"),
        _("Subject"),
        _("Kind"),
        _("Priority"),
        _("Status"),
        _("Customer"),
        _("Handled by"),
        _("Resolved"),
        _("Closed"),
        _("Resolution"),
    ]
    qs = qs.select_related("customer", "assignee")

    def rows():
        for c in qs.iterator(chunk_size=2000):
            yield [
                _when(c.opened_at),
                c.subject,
                c.get_kind_display(),
                c.get_priority_display(),
                c.get_status_display(),
                str(c.customer),
                str(c.assignee or ""),
                _when(c.resolved_at),
                _when(c.closed_at),
                c.resolution,
            ]

    return headers, rows()
