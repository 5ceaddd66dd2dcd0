from kehu.core.admin_site import CapabilityAdmin, site

from .models import Industry, Region


class IndustryAdmin(CapabilityAdmin):
    capability = "manage_catalogues"
    list_display = ["code", "name", "name_en"]
    search_fields = ["name", "name_en", "code"]


class RegionAdmin(CapabilityAdmin):
    capability = "manage_catalogues"
    list_display = ["code", "name", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "name_en", "code"]


site.register(Industry, IndustryAdmin)
site.register(Region, RegionAdmin)
