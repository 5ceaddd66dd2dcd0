from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssignmentConfig(AppConfig):
    name = "kehu.assignment"
    label = "assignment"
    verbose_name = _("Assignment")

    def ready(self):
        from kehu.accounts import scope
        from kehu.core import nav
        from kehu.leads.signals import leads_arriving, leads_received
        from kehu.pool import services as pool

        from . import capabilities, metrics, signals
        from .models import Rule, RuleSet
        from .services.routing import reassign

        metrics.register()
        nav.register(
            nav.NavItem(16, "assignment:sets", _("Assignment"), "assignment", capabilities.MANAGE_ASSIGNMENT)
        )
        leads_arriving.connect(signals.on_leads_arriving, dispatch_uid="kehu.assignment.route_arriving")
        leads_received.connect(signals.on_leads_received, dispatch_uid="kehu.assignment.route")
        from kehu.leads.panels import register_lead_panel

        from .panels import lead_panel

        register_lead_panel(15, lead_panel)  # why the lead went where it did, under the ledger
        if reassign not in pool.reassigners:
            pool.reassigners.append(reassign)
        # Rules are settings, not people's records: reads are gated by the capability.
        scope.register(
            RuleSet, lambda user, ids: None if user.can(capabilities.MANAGE_ASSIGNMENT) else scope.NOTHING
        )
        scope.register(
            Rule, lambda user, ids: None if user.can(capabilities.MANAGE_ASSIGNMENT) else scope.NOTHING
        )
