from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "kehu.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from kehu.accounts import capabilities, roles, scope
        from kehu.core import nav
        from kehu.customers import panels, timeline
        from kehu.leads.signals import lead_converted

        from . import models
        from .services import catalogue, opportunities

        cap = capabilities.register
        cap("manage_products", _("Manage products and categories"))
        cap("manage_sales_settings", _("Manage opportunity stages and value tiers"))
        cap("view_commissions", _("See everyone's commission statements"))
        cap("manage_commissions", _("Manage commission rules"))
        roles.grant_by_default("sales_manager", "manage_products", "manage_sales_settings")
        roles.grant_by_default("finance", "view_commissions", "manage_commissions")

        for model in (models.Opportunity, models.Contract, models.Order):
            scope.register(model, models.owner_rule())
        for model in (models.PaymentPlan, models.Payment, models.ContractAttachment):
            scope.register(model, models.owner_rule("contract__"))
        scope.register(models.OrderLine, models.owner_rule("order__"))
        scope.register(models.CustomerValue, models.customer_value_rule)
        scope.register(models.CommissionEntry, models.commission_rule)
        for shared in (models.Product, models.ProductCategory, models.Stage, models.CommissionRule):
            scope.register(shared, lambda user, ids: None)

        kind = timeline.register_kind
        kind(opportunities.OPPORTUNITY, _("Opportunity"), _("Opportunity “%(name)s” opened (%(amount)s)"))
        kind(
            opportunities.OPPORTUNITY_WON, _("Opportunity won"), _("Opportunity “%(name)s” won (%(amount)s)")
        )
        kind(opportunities.OPPORTUNITY_LOST, _("Opportunity lost"), _("Opportunity “%(name)s” lost"))
        kind("contract", _("Contract"), _("Contract %(number)s “%(title)s” (%(amount)s)"))
        kind("payment", _("Payment"), _("Payment of %(amount)s received on contract %(number)s"))
        kind("payment_refund", _("Payment refund"), _("%(amount)s refunded on contract %(number)s"))
        kind("purchase", _("Purchase"), _("Order %(number)s: %(products)s (%(amount)s)"))
        kind("order_cancelled", _("Order cancelled"), _("Order %(number)s cancelled"))
        kind("order_refund", _("Order refund"), _("%(amount)s refunded on order %(number)s"))

        nav.register(nav.NavItem(40, "sales:board", _("Sales"), "sales"))

        from . import views

        panels.register(40, views.customer_panel)
        lead_converted.connect(opportunities.on_lead_converted, dispatch_uid="sales-open-opportunity")
        post_migrate.connect(catalogue.ensure_stages, sender=self, dispatch_uid="sales-stages")
