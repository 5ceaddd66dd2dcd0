from decimal import Decimal

from django import template

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
    # Grouped by thousands in both languages (Django's zh-Hans format does not group).
    return f"{Decimal(str(value)):,.0f}"


@register.filter
def num(value, digits=0):
    if value is None or value == "":
        return "–"
    return f"{float(value):,.{int(digits)}f}"


@register.filter
def get(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None
