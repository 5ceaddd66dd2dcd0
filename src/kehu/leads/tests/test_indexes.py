"""The lead table's indexes: references most leads arrive without are indexed only where
set (intake writes no entry for an empty one), and the look-ups by value still use them."""

import pytest
from django.db import connection

from kehu.leads.models import Lead

PARTIAL = ("duplicate_of", "matched_customer", "customer", "created_by", "industry", "demand_type")


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny test table: ask for the index
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return " ".join(str(part) for row in cursor.fetchall() for part in row)


@pytest.mark.django_db
@pytest.mark.parametrize("name", PARTIAL)
def test_references_have_partial_indexes_that_lookups_use(name):
    column = Lead._meta.get_field(name).column
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Lead._meta.db_table)
    on_column = {key: c for key, c in constraints.items() if c["index"] and c["columns"] == [column]}
    assert list(on_column) == [f"lead_{name}"], on_column  # the full index Django made is gone
    assert f"lead_{name}" in _plan(Lead.objects.filter(**{f"{name}_id": 7}))
    assert f"lead_{name}" in _plan(Lead.objects.filter(**{f"{name}_id__in": [7, 8]}))


@pytest.mark.django_db
def test_phone_key_has_one_index_for_equality_and_prefix():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Lead._meta.db_table)
    assert [k for k, c in constraints.items() if c["index"] and c["columns"] == ["phone_key"]] == [
        "lead_phone_key"
    ]
    assert "lead_phone_key" in _plan(Lead.objects.filter(phone_key="13812345678"))
    if connection.vendor == "postgresql":  # the pattern operator class serves LIKE 'prefix%'
        assert "lead_phone_key" in _plan(Lead.objects.filter(phone_key__startswith="1381"))
