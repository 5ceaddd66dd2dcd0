"""Default pools, created once after migrations (idempotent: an existing pool of a kind is
left as the administrator configured it)."""

from .models import GradePolicy, Pool, Target

LEAD_POLICIES = [
    ("A", 24, 14, GradePolicy.Notify.STRONG),
    ("B", 48, 30, GradePolicy.Notify.NORMAL),
    ("C", 72, 60, GradePolicy.Notify.NONE),
    ("", 48, 30, GradePolicy.Notify.NORMAL),
]


def ensure_default_pools(sender=None, using="default", **kwargs):
    if not Pool.objects.using(using).filter(kind=Target.LEAD).exists():
        pool = Pool.objects.using(using).create(
            name="公共线索池", kind=Target.LEAD, is_default=True, cooling_off_days=7, hold_hours=0
        )
        for grade, hours, days, notify in LEAD_POLICIES:
            GradePolicy.objects.using(using).create(
                pool=pool, grade=grade, follow_up_hours=hours, convert_days=days, notify=notify
            )
    if not Pool.objects.using(using).filter(kind=Target.CUSTOMER).exists():
        pool = Pool.objects.using(using).create(
            name="客户公海", kind=Target.CUSTOMER, is_default=True, cooling_off_days=30, hold_hours=24
        )
        # Customers: a follow-up at least every 30 days, a deal within 180 days.
        GradePolicy.objects.using(using).create(
            pool=pool, grade="", follow_up_hours=30 * 24, convert_days=180, notify=GradePolicy.Notify.NORMAL
        )
