from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "kehu.activities"
    label = "activities"
    verbose_name = _("Activities")

    def ready(self):
        from kehu.accounts import scope
        from kehu.core import nav

        from . import kinds, models, rules  # noqa: F401 - kinds registers timeline and notification kinds

        nav.register(nav.NavItem(30, "activities:tasks", _("Activities"), "activities"))
        scope.register(models.Task)
        scope.register(models.FollowUp, rules.follow_up_rule)
        scope.register(models.Appointment, rules.appointment_rule)
        scope.register(models.Consultation, rules.consultation_rule)
        scope.register(models.ServiceCase, rules.service_case_rule)
        # A feed belongs to its person alone, whatever the role's scope.
        scope.register(models.CalendarFeed, lambda user, ids: models.Q(user=user))

        from kehu.customers import panels
        from kehu.leads.panels import register_lead_panel

        from .views import customer_panel, lead_panel

        panels.register(20, customer_panel)
        register_lead_panel(20, lead_panel)
