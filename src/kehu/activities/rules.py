"""Data-scope rules: a person sees the activities of customers and leads they can see, and their own.

The customer and lead parts reuse those models' own scope (with every extension, e.g. pools),
so whoever may open a customer may read what happened with it.
"""

from django.db.models import Q


def _visible_customers(user):
    from kehu.accounts.scope import scoped
    from kehu.customers.models import Customer

    return scoped(user, Customer).values("pk")


def _visible_leads(user):
    from kehu.accounts.scope import scoped
    from kehu.leads.models import Lead

    return scoped(user, Lead).values("pk")


def follow_up_rule(user, ids):
    if ids is None:
        return None
    return (
        Q(author_id__in=ids)
        | Q(customer_id__in=_visible_customers(user))
        | Q(lead_id__in=_visible_leads(user))
    )


def appointment_rule(user, ids):
    if ids is None:
        return None
    from .models import Attendance

    return (
        Q(organizer_id__in=ids)
        | Q(pk__in=Attendance.objects.filter(user_id__in=ids).values("appointment_id"))
        | Q(customer_id__in=_visible_customers(user))
    )


def consultation_rule(user, ids):
    if ids is None:
        return None
    return Q(author_id__in=ids) | Q(customer_id__in=_visible_customers(user))


def service_case_rule(user, ids):
    if ids is None:
        return None
    return Q(assignee_id__in=ids) | Q(created_by_id__in=ids) | Q(customer_id__in=_visible_customers(user))
