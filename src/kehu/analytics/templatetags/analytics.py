from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def pct(value):
    """A ratio as a percentage (0.1234 -> 12.3%); blank when there is nothing to divide."""
    if value is None or value == "":
        return "–"
    return f"{float(value) * 100:.1f}%"


@register.filter
def money(value):
    if value is None or value == "":
        return "–"
    return floatformat(Decimal(str(value)), "0g")


@register.filter
def num(value, digits=0):
    if value is None or value == "":
        return "–"
    return floatformat(value, f"{digits}g")


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
