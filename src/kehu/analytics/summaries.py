"""Rebuild the analytics summary tables from the domains' tables (set-based SQL).

``refresh()`` runs every ten minutes (tasks.py) and on first use; reports read the
summaries, so their figures are as of the last refresh (shown on every page).

- CustomerSales: rebuilt in full (one grouped INSERT … SELECT per source);
- LeadFact: rebuilt in full; a lead's stage is one CASE whose costly EXISTS parts only run
  for leads the cheap parts cannot place (no owner now, no follow-up time on the lead);
- GainFact: incremental — new claims/assignments are appended, and only those still
  waiting for a first follow-up are looked up again.
"""

import time

from django.db import connection, transaction
from django.db.models import Case, Exists, IntegerField, Min, OuterRef, Q, Subquery, Sum, Value, When

from kehu.activities.models import FollowUp
from kehu.core import clock
from kehu.leads.models import Lead
from kehu.pool.models import OwnershipEvent
from kehu.sales.models import Contract, Order, Payment

from .models import CustomerSales, GainFact, LeadFact, SummaryState

GAINED = [OwnershipEvent.Kind.CLAIM, OwnershipEvent.Kind.ASSIGN, OwnershipEvent.Kind.TRANSFER]


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(model, names) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)


def _insert_from(model, names, queryset) -> None:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {_table(model)} ({_columns(model, names)}) {sql}", params)


def _empty(model) -> None:
    if connection.vendor == "postgresql":
        # TRUNCATE (transactional on PostgreSQL) leaves no dead rows behind, unlike DELETE.
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {_table(model)}")
    else:
        model.objects.all().delete()


def _analyze(*models) -> None:
    # Fresh statistics, so the reports' plans see the new row counts.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {_table(model)}")


def _customer_sales() -> None:
    _empty(CustomerSales)
    order, payment, contract = _table(Order), _table(Payment), _table(Contract)
    target = f"INSERT INTO {_table(CustomerSales)} ({_columns(CustomerSales, ['customer_id', 'owner', 'order_value', 'payments', 'live_orders', 'receipts'])})"  # noqa: E501
    with connection.cursor() as cursor:
        cursor.execute(
            f"{target} SELECT customer_id, owner_id, SUM(total - refunded), 0, COUNT(*), 0 "  # noqa: S608
            f"FROM {order} WHERE cancelled_at IS NULL GROUP BY customer_id, owner_id"
        )
        cursor.execute(
            f"{target} SELECT c.customer_id, c.owner_id, 0, "  # noqa: S608
            "SUM(CASE WHEN p.kind = 'refund' THEN -p.amount ELSE p.amount END), 0, "
            "SUM(CASE WHEN p.kind = 'receipt' THEN 1 ELSE 0 END) "
            f"FROM {payment} p JOIN {contract} c ON c.id = p.contract_id GROUP BY c.customer_id, c.owner_id"
        )


def stage_expression():
    """A lead's furthest stage: 5 paying, 4 converted, 3 followed up, 2 owned, 1 valid, 0 lead."""
    had_owner = Exists(OwnershipEvent.objects.filter(lead_id=OuterRef("pk"), kind__in=GAINED))
    followed = Exists(FollowUp.objects.filter(lead_id=OuterRef("pk")))
    paying = Exists(
        CustomerSales.objects.filter(customer_id=OuterRef("customer_id")).filter(
            Q(live_orders__gt=0) | Q(receipts__gt=0)
        )
    )
    converted = Q(converted_at__isnull=False, customer_id__isnull=False)
    return Case(
        When(converted & paying, then=Value(5)),
        When(converted_at__isnull=False, then=Value(4)),
        When(Q(last_follow_up_at__isnull=False) | followed, then=Value(3)),
        When(Q(owner_id__isnull=False) | had_owner, then=Value(2)),
        When(~Q(status=Lead.Status.INVALID) & Q(duplicate_of__isnull=True), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _lead_facts() -> None:
    _empty(LeadFact)
    invalid = Case(
        When(Q(status=Lead.Status.INVALID) | Q(duplicate_of__isnull=False), then=Value(True)),
        default=Value(False),
    )
    names = ["lead_id", "channel_id", "owner", "grade", "status", "created_at", "converted_at", "customer_id"]

    def total(column):
        return Subquery(
            CustomerSales.objects.filter(customer_id=OuterRef("customer_id"))
            .order_by()
            .values("customer_id")
            .annotate(total=Sum(column))
            .values("total")[:1]
        )

    qs = (
        Lead.objects.filter(archived_at__isnull=True)
        .annotate(
            fact_invalid=invalid,
            fact_stage=stage_expression(),
            fact_orders=Case(When(converted_at__isnull=False, then=total("order_value"))),
            fact_payments=Case(When(converted_at__isnull=False, then=total("payments"))),
        )
        .values_list(
            "id",
            "channel_id",
            "owner_id",
            "grade",
            "status",
            "created_at",
            "converted_at",
            "customer_id",
            "fact_invalid",
            "fact_stage",
            "fact_orders",
            "fact_payments",
        )
        .order_by()
    )
    _insert_from(LeadFact, [*names, "invalid", "stage", "order_value", "payments"], qs)


def _gain_facts() -> None:
    newest = GainFact.objects.order_by("-event_id").values_list("event_id", flat=True).first() or 0
    qs = (
        OwnershipEvent.objects.filter(
            pk__gt=newest,
            lead__isnull=False,
            to_user__isnull=False,
            kind__in=[OwnershipEvent.Kind.CLAIM, OwnershipEvent.Kind.ASSIGN],
        )
        .values_list("id", "lead_id", "to_user_id", "kind", "at")
        .order_by()
    )
    _insert_from(GainFact, ["event_id", "lead_id", "to_user", "kind", "at"], qs)
    first = Subquery(
        FollowUp.objects.filter(
            lead_id=OuterRef("lead_id"), author_id=OuterRef("to_user_id"), at__gte=OuterRef("at")
        )
        .order_by()
        .values("lead_id")
        .annotate(first=Min("at"))
        .values("first")[:1]
    )
    GainFact.objects.filter(first_follow_up_at__isnull=True).update(first_follow_up_at=first)


def refresh() -> SummaryState:
    started = time.perf_counter()
    with transaction.atomic():
        _customer_sales()
        _analyze(CustomerSales)
        _lead_facts()
        _gain_facts()
        _analyze(LeadFact, GainFact)
        SummaryState.objects.all().delete()
        return SummaryState.objects.create(refreshed_at=clock.now(), seconds=time.perf_counter() - started)


def state(refresh_if_missing: bool = True) -> SummaryState | None:
    """When the summaries were built; builds them the first time they are needed."""
    current = SummaryState.objects.order_by("-refreshed_at").first()
    if current is None and refresh_if_missing:
        current = refresh()
    return current
