# ruff: noqa: S608, E501 - a benchmark loader: SQL built from ints and model meta
"""Bulk analytics data on PostgreSQL with INSERT … SELECT generate_series (no Python loops).

Default scale: 1,000,000 leads over three years, 300,000 customers (each converted from a
lead), 1,250,000 orders with 5,000,000 order lines, 200,000 contracts, 400,000 payments,
the ownership ledger (claims/assignments, releases, reclaims) and follow-ups.

Every column Django would fill with a default is filled with that default, so the rows
look like the ORM wrote them. Used by bench/analytics/run.py; --scale shrinks everything.
"""

from decimal import Decimal

from django.db import connection, models
from django.utils import timezone


def _literal_default(field: models.Field):
    if field.has_default():
        value = field.get_default()
    elif field.null:
        return None
    elif isinstance(field, models.DateTimeField):
        return timezone.now()
    elif isinstance(field, models.DateField):
        return timezone.localdate()
    elif isinstance(field, (models.CharField, models.TextField)):
        return ""
    elif isinstance(field, models.JSONField):
        value = {}
    elif isinstance(field, models.BooleanField):
        return False
    elif isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
        return 0
    else:
        raise ValueError(f"no default for {field}")
    return field.get_db_prep_save(value, connection)


def insert_select(model, count: int | None, exprs: dict[str, str], source: str = "", params=()) -> int:
    """INSERT INTO model SELECT … FROM generate_series(1, count) g(i) (or ``source``).

    ``exprs`` maps field names to SQL expressions (``i`` is the row number); every other
    concrete column gets its Django default.
    """
    columns, values, args = [], [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.name not in exprs:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in exprs:
            values.append(exprs[field.name].replace("%", "%%"))  # modulo, not a placeholder
        else:
            values.append("%s")
            args.append(_literal_default(field))
    table = connection.ops.quote_name(model._meta.db_table)
    source = source or "generate_series(1::bigint, %s::bigint) AS g(i)"
    tail_params = list(params) if params else [count]
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*args, *tail_params])
        return cursor.rowcount


def _array(ids) -> str:
    return "ARRAY[" + ",".join(str(int(i)) for i in ids) + "]::bigint[]"


def build_org():
    from kehu.accounts.models import Department, Role, Team, User

    roles = {r.code: r for r in Role.objects.all()}
    company = Department.objects.create(name="总部")
    people = {"sales": [], "managers": [], "teams": []}
    admin = User.objects.create_user(
        "admin",
        password=None,
        name="管理员",
        role=roles["admin"],
        department=company,
        is_superuser=True,
        is_staff=True,
    )
    marketer = User.objects.create_user(
        "marketer", password=None, name="市场", role=roles["marketer"], department=company
    )
    for d in range(3):
        dept = Department.objects.create(name=f"销售{d + 1}部", parent=company)
        manager = User.objects.create_user(
            f"manager{d + 1}",
            password=None,
            name=f"主管{d + 1}",
            role=roles["sales_manager"],
            department=dept,
        )
        dept.manager = manager
        dept.save()
        people["managers"].append(manager)
        teams = [Team.objects.create(name=f"{d + 1}部{t + 1}组", department=dept) for t in range(2)]
        people["teams"] += teams
        for n in range(20):
            user = User.objects.create_user(
                f"sales{d * 20 + n + 1}",
                password=None,
                name=f"销售{d * 20 + n + 1}",
                role=roles["salesperson"],
                department=dept,
            )
            user.teams.add(teams[n % 2])
            people["sales"].append(user)
    people["admin"], people["marketer"] = admin, marketer
    return people


def generate(
    leads=1_000_000,
    customers=300_000,
    orders=1_250_000,
    lines_per_order=4,
    contracts=200_000,
    payments=400_000,
    say=print,
):
    from kehu.accounts.models import User
    from kehu.activities.models import FollowUp
    from kehu.customers.models import Customer
    from kehu.leads.models import Channel, ChannelCost, Lead
    from kehu.pool.models import OwnershipEvent, Pool, Target
    from kehu.sales.models import Contract, Order, OrderLine, Payment, Product, ProductCategory

    # Resumable: each step runs only while its table is still empty (an interrupted run
    # is continued, not repeated).
    def empty(model) -> bool:
        manager = getattr(model, "all_objects", model.objects)
        return not manager.exists()

    def base(manager) -> int:
        # Ids are written as base + i: 0 on an empty table, else what the earlier run used.
        first = manager.aggregate(m=models.Min("id"))["m"]
        return 0 if first is None else first - 1

    if User.objects.filter(username="admin").exists():
        people = {"sales": list(User.objects.filter(role__code="salesperson").order_by("pk"))}
    else:
        people = build_org()
    sales = [u.pk for u in people["sales"]]
    n_sales = len(sales)
    channels = list(Channel.objects.values_list("pk", flat=True))
    n_ch = len(channels)
    pool = Pool.objects.filter(kind=Target.LEAD, is_default=True).first()
    if empty(Product):
        category = ProductCategory.objects.create(name="基准")
        for n in range(50):
            Product.objects.create(
                code=f"B-{n}", name=f"产品{n}", category=category, price=Decimal(100 + n * 37)
            )
    products = list(Product.objects.order_by("pk"))
    now = timezone.now()
    S = _array(sales)
    C = _array(channels)
    P = _array([p.pk for p in products])
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")

    # Channel costs: one row per channel and month, three years back.
    months = 37
    if empty(ChannelCost):
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO leads_channelcost (channel_id, period_start, period_end, amount, note) "
                "SELECT c.id, (date_trunc('month', %s::timestamptz) - (m || ' months')::interval)::date, "
                "(date_trunc('month', %s::timestamptz) - ((m - 1) || ' months')::interval - interval '1 day')::date, "
                "round((2000 + random() * 30000)::numeric, 2), '' "
                "FROM leads_channel c CROSS JOIN generate_series(0, %s) AS m",
                [now, now, months - 1],
            )
        say("channel costs")

    cust0 = base(Customer.all_objects)
    stamp = connection.ops.adapt_datetimefield_value(now)
    ts = f"'{stamp}'::timestamptz"
    if empty(Customer):
        insert_select(
            Customer,
            customers,
            {
                "id": f"{cust0} + i",
                "name": "'基准客户' || i",
                "type": "'closed'",
                "owner": f"({S})[1 + (i % {n_sales})]",
                "created_at": f"{ts} - random() * interval '1095 days'",
                "updated_at": ts,
            },
        )
        say(f"{customers} customers")

    # Leads: 30% convert (lead i with i % 10 < 3 becomes customer (i / 10) * 3 + i % 10 + 1).
    lead0 = base(Lead.objects)
    conv = f"(i % 10 < 3 AND (i / 10) * 3 + i % 10 + 1 <= {customers})"
    k = "((i / 10) * 3 + i % 10 + 1)"
    if empty(Lead):
        insert_select(
            Lead,
            None,
            {
                "id": f"{lead0} + i",
                "channel": f"({C})[1 + floor(power(r1, 1.6) * {n_ch})::int]",
                "name": "'线索' || i",
                "phone": "'139' || lpad((i % 100000000)::text, 8, '0')",
                "grade": "(ARRAY['A','B','C'])[1 + floor(r2 * 3)::int]",
                "score": "floor(r2 * 100)::int",
                "status": f"CASE WHEN {conv} THEN 'converted' WHEN r3 < 0.3 THEN 'in_pool' WHEN r3 < 0.4 THEN 'invalid' "
                "WHEN r3 < 0.7 THEN 'assigned' ELSE 'following' END",
                "owner": f"CASE WHEN {conv} THEN ({S})[1 + ({k} % {n_sales})] WHEN r3 < 0.3 THEN NULL "
                f"ELSE ({S})[1 + (i % {n_sales})] END",
                "customer": f"CASE WHEN {conv} THEN {cust0} + {k} END",
                "converted_at": f"CASE WHEN {conv} THEN least(created, {ts} - interval '1 hour') END",
                "created_at": "created",
                "updated_at": "created",
            },
            source=(
                f"(SELECT i, random() AS r1, random() AS r2, random() AS r3, "
                f"{ts} - random() * interval '1095 days' AS created0 FROM generate_series(1::bigint, %s::bigint) AS g(i)) s "
                f"CROSS JOIN LATERAL (SELECT created0 AS created) c"
            ),
            params=[leads],
        )
        # Conversion time: whole days, skewed short; then capped at now.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE leads_lead SET converted_at = least(created_at + power(random(), 3) * interval '120 days', %s) "
                "WHERE converted_at IS NOT NULL AND id > %s",
                [now, lead0],
            )
        say(f"{leads} leads")

    order0 = base(Order.objects)
    if empty(Order):
        insert_select(
            Order,
            orders,
            {
                "id": f"{order0} + i",
                "number": "'B' || i",
                "customer": f"{cust0} + 1 + ((i * 7919) % {customers})",
                "owner": f"({S})[1 + ((1 + ((i * 7919) % {customers})) % {n_sales})]",
                "status": "CASE WHEN i % 33 = 0 THEN 'cancelled' ELSE 'confirmed' END",
                "ordered_at": f"{ts} - random() * interval '1095 days'",
                "cancelled_at": f"CASE WHEN i % 33 = 0 THEN {ts} END",
                "total": "round((200 + random() * 20000)::numeric, 2)",
                "refunded": "CASE WHEN i % 20 = 0 THEN 50 ELSE 0 END",
                "created_at": ts,
            },
        )
        say(f"{orders} orders")
    if empty(OrderLine):
        insert_select(
            OrderLine,
            orders * lines_per_order,
            {
                "order": f"{order0} + 1 + ((i - 1) / {lines_per_order})",
                "product": f"({P})[1 + (i % {len(products)})]",
                "quantity": "1 + (i % 3)",
                "unit_price": "round((50 + random() * 5000)::numeric, 2)",
                "amount": "round((50 + random() * 5000)::numeric, 2)",
            },
        )
        say(f"{orders * lines_per_order} order lines")

    contract0 = base(Contract.objects)
    if empty(Contract):
        insert_select(
            Contract,
            contracts,
            {
                "id": f"{contract0} + i",
                "number": "'BHT' || i",
                "title": "'基准合同'",
                "customer": f"{cust0} + 1 + ((i * 31) % {customers})",
                "owner": f"({S})[1 + ((1 + ((i * 31) % {customers})) % {n_sales})]",
                "amount": "round((5000 + random() * 200000)::numeric, 2)",
                "status": "CASE WHEN i % 10 = 0 THEN 'draft' WHEN i % 10 = 1 THEN 'completed' ELSE 'active' END",
                "signed_on": f"({ts} - random() * interval '1095 days')::date",
                "created_at": ts,
                "updated_at": ts,
            },
        )
        insert_select(
            Payment,
            payments,
            {
                "contract": f"{contract0} + 1 + (i % {contracts})",
                "kind": "CASE WHEN i % 25 = 0 THEN 'refund' ELSE 'receipt' END",
                "amount": "round((500 + random() * 50000)::numeric, 2)",
                "received_on": f"({ts} - random() * interval '1095 days')::date",
                "created_at": ts,
            },
        )
        say(f"{contracts} contracts, {payments} payments")

    # The ledger: every owned lead was claimed or assigned an hour after intake; one in ten
    # owned leads was later released or reclaimed (with a reason).
    pool_id = pool.pk if pool else "NULL"
    if empty(OwnershipEvent):
        insert_select(
            OwnershipEvent,
            None,
            {
                "kind": "CASE WHEN l.id % 2 = 0 THEN 'claim' ELSE 'assign' END",
                "lead": "l.id",
                "pool": str(pool_id),
                "to_user": "l.owner_id",
                "actor": "l.owner_id",
                "at": "l.created_at + interval '1 hour'",
            },
            source="leads_lead l WHERE l.owner_id IS NOT NULL AND l.id > %s",
            params=[lead0],
        )
        insert_select(
            OwnershipEvent,
            None,
            {
                "kind": "CASE WHEN l.id % 3 = 0 THEN 'release' ELSE 'reclaim' END",
                "lead": "l.id",
                "pool": str(pool_id),
                "from_user": "l.owner_id",
                "reason": "(ARRAY['首次跟进超时','转化超时','主动放弃'])[1 + (l.id % 3)]",
                "at": "l.created_at + interval '3 days'",
            },
            source="leads_lead l WHERE l.owner_id IS NOT NULL AND l.id %% 10 = 7 AND l.id > %s",
            params=[lead0],
        )
        say("ownership ledger")
    if empty(FollowUp):
        insert_select(
            FollowUp,
            None,
            {
                "lead": "l.id",
                "author": "l.owner_id",
                "content": "'电话沟通'",
                "at": "l.created_at + interval '1 hour' + random() * interval '48 hours'",
                "created_at": "l.created_at",
            },
            source="leads_lead l CROSS JOIN generate_series(1, 2) AS n WHERE l.owner_id IS NOT NULL "
            "AND (n = 1 OR l.id %% 2 = 0) AND l.id > %s",
            params=[lead0],
        )
        say("follow-ups")
    if not Lead.objects.filter(last_follow_up_at__isnull=False).exists():
        # What activities' follow-up service keeps on the lead.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE leads_lead l SET last_follow_up_at = f.latest "
                "FROM (SELECT lead_id, max(at) AS latest FROM activities_followup GROUP BY lead_id) f "
                "WHERE f.lead_id = l.id"
            )
        say("last follow-up times on leads")
    from kehu.core.bulk import sync_sequence

    for model in (Customer, Lead, Order, OrderLine, Contract, Payment, OwnershipEvent, FollowUp, ChannelCost):
        sync_sequence(model)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return people
