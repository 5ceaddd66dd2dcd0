from kehu.core.admin_site import CapabilityAdmin, site

from .models import DeliveryChannel


class DeliveryChannelAdmin(CapabilityAdmin):
    capability = "manage_org"
    list_display = ["name", "kind", "min_level", "active"]
    list_filter = ["kind", "active"]


site.register(DeliveryChannel, DeliveryChannelAdmin)
