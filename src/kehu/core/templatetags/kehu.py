from django import template

from kehu.accounts.masking import phone_for as _phone_for

register = template.Library()


@register.filter
def phone_for(value, user):
    """{{ customer.phone|phone_for:user }} — masked unless the viewer may see full numbers."""
    return _phone_for(user, value or "")


@register.inclusion_tag("_field.html")
def field(bound_field, css=""):
    return {"field": bound_field, "css": css}
