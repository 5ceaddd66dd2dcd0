from django.utils.translation import gettext as _

from kehu.accounts.masking import phone_for

from .models import Customer


def customer_rows(user, queryset):
    headers = [
        _("ID"),
        _("Kind"),
        _("Name"),
        _("Type"),
        _("Phone"),
        _("E-mail"),
        _("Province"),
        _("City"),
        _("District"),
        _("Address"),
        _("Industry"),
        _("Owner"),
        _("Dealer"),
        _("Tags"),
        _("Value tier"),
        _("Last contact"),
        _("Created"),
    ]

    def rows():
        qs = queryset.select_related(
            "owner", "province", "city", "district", "industry", "dealer"
        ).prefetch_related("tags")
        for c in qs.iterator(chunk_size=2000):
            yield [
                c.pk,
                c.get_kind_display(),
                c.name,
                c.get_type_display(),
                phone_for(user, c.phone),
                c.email,
                c.province and c.province.label,
                c.city and c.city.label,
                c.district and c.district.label,
                c.address,
                c.industry and c.industry.label,
                c.owner and str(c.owner),
                c.dealer and c.dealer.name,
                ", ".join(t.name for t in c.tags.all()),
                c.get_value_tier_display(),
                c.last_contact_at and c.last_contact_at.strftime("%Y-%m-%d %H:%M"),
                c.created_at.strftime("%Y-%m-%d %H:%M"),
            ]

    return headers, rows()


__all__ = ["Customer", "customer_rows"]
