from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class DedupConfig(AppConfig):
    name = "kehu.dedup"
    label = "dedup"
    verbose_name = _("De-duplication")

    def ready(self):
        from kehu.accounts import scope
        from kehu.customers import bulk
        from kehu.customers.models import Contact, Customer

        from . import signals
        from .models import DedupMatch, Merge

        # Customers' keys follow every save of the customer or of one of its contacts.
        post_save.connect(signals.customer_saved, sender=Customer, dispatch_uid="dedup.customer")
        post_save.connect(signals.contact_saved, sender=Contact, dispatch_uid="dedup.contact")
        post_delete.connect(signals.contact_saved, sender=Contact, dispatch_uid="dedup.contact_delete")
        post_delete.connect(signals.customer_deleted, sender=Customer, dispatch_uid="dedup.customer_delete")
        bulk.generated.connect(signals.customers_generated, dispatch_uid="dedup.customers_generated")
        # A match is as visible as its lead.
        scope.register(DedupMatch, signals.match_scope_rule)
        scope.register(Merge, signals.merge_scope_rule)
