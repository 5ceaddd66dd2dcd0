from django import template
from django.utils.translation import gettext as _

from kehu.core import clock

register = template.Library()


@register.filter
def remaining(due):
    """Protection time left before a deadline: "2 d 5 h", "45 min" or "overdue"."""
    if not due:
        return ""
    seconds = int((due - clock.now()).total_seconds())
    if seconds <= 0:
        return _("overdue")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": rest // 60}
    return _("%(m)s min") % {"m": max(rest // 60, 1)}


@register.filter
def urgency(due):
    """CSS class for a countdown: late, soon (within a day) or calm."""
    if not due:
        return ""
    seconds = (due - clock.now()).total_seconds()
    return "late" if seconds <= 0 else "soon" if seconds < 86400 else "calm"
