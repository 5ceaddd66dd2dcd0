from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PoolConfig(AppConfig):
    name = "kehu.pool"
    label = "pool"
    verbose_name = _("Lead and customer pools")

    def ready(self):
        from kehu.accounts import scope
        from kehu.activities.signals import follow_up_recorded
        from kehu.customers.models import Customer
        from kehu.leads.models import Lead

        from . import capabilities, nav, signals  # noqa: F401 - registrations
        from .models import Target
        from .seed import ensure_default_pools
        from .services.visibility import pool_filter

        # Unowned records in a pool are visible to the people who may claim them there.
        scope.extend(Lead, lambda user, ids: pool_filter(user, Target.LEAD))
        scope.extend(Customer, lambda user, ids: pool_filter(user, Target.CUSTOMER))
        from kehu.customers import panels as customer_panels
        from kehu.leads.panels import register_lead_panel

        from .panels import customer_panel, lead_panel

        customer_panels.register(40, customer_panel)
        from kehu.customers import ownership

        from .services.ownership import change_customer_owner

        ownership.register(change_customer_owner)
        register_lead_panel(10, lead_panel)
        follow_up_recorded.connect(signals.on_follow_up, dispatch_uid="kehu.pool.follow_up")
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .models import Pool
        from .services.visibility import forget_pools

        for signal in (post_save, post_delete):
            signal.connect(forget_pools, sender=Pool, dispatch_uid=f"kehu.pool.forget.{signal}")
        for through in (Pool.members.through, Pool.teams.through):
            m2m_changed.connect(forget_pools, sender=through, dispatch_uid=f"kehu.pool.forget.{through}")
        from .models import DisplayRule

        # Display rules are part of what a person sees of a pool, hence of their scope.
        forget = scope.forget_scopes
        for signal in (post_save, post_delete):
            signal.connect(forget, sender=DisplayRule, dispatch_uid=f"kehu.pool.rules.{signal}")
        for through in (DisplayRule.regions.through, DisplayRule.industries.through):
            m2m_changed.connect(forget, sender=through, dispatch_uid=f"kehu.pool.rules.{through}")
        from kehu.leads.signals import leads_received

        # Only leads that arrive owned: routing the others is the assignment app's job.
        leads_received.connect(signals.on_leads_received, dispatch_uid="kehu.pool.adopt_owned")
        post_migrate.connect(ensure_default_pools, sender=self, dispatch_uid="kehu.pool.seed")
