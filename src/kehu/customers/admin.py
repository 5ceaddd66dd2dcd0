from kehu.core.admin_site import CapabilityAdmin, site

from .models import Dealer, LostReason, Tag


class DealerAdmin(CapabilityAdmin):
    capability = "manage_dealers"
    list_display = ["name", "code", "level", "contact_name", "phone", "region", "active"]
    list_filter = ["level", "active"]
    search_fields = ["name", "code", "contact_name"]
    autocomplete_fields = ["manager"]


class TagAdmin(CapabilityAdmin):
    capability = "manage_catalogues"
    list_display = ["name", "color"]


class LostReasonAdmin(CapabilityAdmin):
    capability = "manage_catalogues"
    list_display = ["name", "active"]


site.register(Dealer, DealerAdmin)
site.register(Tag, TagAdmin)
site.register(LostReason, LostReasonAdmin)
