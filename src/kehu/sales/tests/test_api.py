"""The sales API end to end, and data scope on every path."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kehu.sales.models import CommissionRule, Stage
from kehu.sales.services import contracts, opportunities, orders


@pytest.fixture
def records(org, customers, catalogue):
    """An opportunity, a contract (with a payment) and an order for each of sales_a1 and sales_a2."""
    CommissionRule.objects.create(name="2%", kind="percentage", rate=D("2"))
    CommissionRule.objects.create(name="回款1%", kind="percentage", rate=D("1"), basis="payment")
    out = {}
    for who, customer in (("a1", customers.mine), ("a2", customers.theirs)):
        user = getattr(org, f"sales_{who}")
        opp = opportunities.create_opportunity(
            user, {"name": f"商机{who}", "customer": customer.pk, "amount": "1000"}
        )
        contract = contracts.create_contract(
            user,
            {
                "number": f"HT-{who}",
                "title": f"合同{who}",
                "customer": customer.pk,
                "amount": "5000",
                "status": "active",
                "plans": [{"due_on": dt.date(2020, 1, 1), "amount": "5000"}],
            },
        )
        payment = contracts.record_payment(org.finance, contract, {"amount": "1000"})
        order = orders.create_order(
            user, {"customer": customer.pk, "lines": [{"product": catalogue.laptop.pk, "quantity": 1}]}
        )
        attachment = contracts.add_attachment(
            user, contract, SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", content_type="application/pdf")
        )
        out[who] = {
            "opp": opp,
            "contract": contract,
            "payment": payment,
            "order": order,
            "attachment": attachment,
        }
    return out


def test_salesperson_cannot_reach_anothers_records_through_the_api(org, api, records):
    client = api(org.sales_a1)
    mine, theirs = records["a1"], records["a2"]
    for path in (
        f"/opportunities/{theirs['opp'].pk}",
        f"/contracts/{theirs['contract'].pk}",
        f"/contracts/{theirs['contract'].pk}/payments",
        f"/orders/{theirs['order'].pk}",
        f"/attachments/{theirs['attachment'].pk}",
        f"/customers/{theirs['order'].customer_id}/value",
    ):
        assert client.get(path).status_code == 404, path
    assert client.patch(f"/opportunities/{theirs['opp'].pk}", {"name": "x"}).status_code == 404
    assert (
        client.post(
            f"/opportunities/{theirs['opp'].pk}/move", {"stage": Stage.objects.get(code="won").pk}
        ).status_code
        == 404
    )
    assert client.patch(f"/contracts/{theirs['contract'].pk}", {"title": "x"}).status_code == 404
    assert client.post(f"/contracts/{theirs['contract'].pk}/payments", {"amount": "1"}).status_code == 404
    assert client.post(f"/payments/{theirs['payment'].pk}/refund", {}).status_code == 404
    assert client.post(f"/orders/{theirs['order'].pk}/cancel", {}).status_code == 404
    assert client.post(f"/orders/{theirs['order'].pk}/refunds", {"amount": "1"}).status_code == 404
    assert client.delete(f"/attachments/{theirs['attachment'].pk}").status_code == 404
    response = Client().post(
        f"/api/v1/contracts/{theirs['contract'].pk}/attachments",
        {"file": SimpleUploadedFile("b.pdf", b"%PDF-1.4", content_type="application/pdf")},
        headers=client.headers,
    )
    assert response.status_code == 404
    # Lists and searches show only their own.
    assert {o["id"] for o in client.get("/opportunities").json()["items"]} == {mine["opp"].pk}
    assert {o["id"] for o in client.get("/contracts").json()["items"]} == {mine["contract"].pk}
    assert {o["id"] for o in client.get("/contracts", overdue="true").json()["items"]} == {
        mine["contract"].pk
    }
    assert {o["id"] for o in client.get("/orders").json()["items"]} == {mine["order"].pk}
    assert client.get("/orders", q=theirs["order"].number).json()["count"] == 0
    assert client.get("/opportunities", owner=org.sales_a2.pk).json()["count"] == 0
    # Statements: their own only.
    period = {"start": "2020-01-01", "end": "2029-12-31"}
    assert client.get("/commissions/statement", user=org.sales_a2.pk, **period).status_code == 404
    assert client.get("/commissions/statement/export", user=org.sales_a2.pk, **period).status_code == 404
    own = client.get("/commissions/statement", **period).json()
    assert own["user"]["id"] == org.sales_a1.pk and D(own["net"]) == D("100") + D("10")


def test_salesperson_cannot_export_others_rows(org, api, records):
    org.sales_a1.role.capabilities = [*org.sales_a1.role.capabilities, "export"]
    org.sales_a1.role.save()
    client = api(org.sales_a1)
    body = b"".join(client.get("/orders/export").streaming_content).decode()
    assert records["a1"]["order"].number in body and records["a2"]["order"].number not in body
    body = b"".join(client.get("/contracts/export").streaming_content).decode()
    assert "HT-a1" in body and "HT-a2" not in body


def test_finance_sees_everyones_statement_and_exports_excel(org, api, records):
    client = api(org.finance)
    period = {"start": "2020-01-01", "end": "2029-12-31"}
    statement = client.get("/commissions/statement", user=org.sales_a2.pk, **period).json()
    assert D(statement["net"]) == D("110") and statement["count"] == 2
    assert {e["source"] for e in statement["entries"]} == {"order", "payment"}
    response = client.get("/commissions/statement/export", user=org.sales_a2.pk, format="xlsx", **period)
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 and records["a2"]["order"].number in rows[1] + rows[2]
    # Managers see their department's records but not commission statements of others.
    manager = api(org.manager_east)
    assert manager.get(f"/orders/{records['a2']['order'].pk}").status_code == 200
    assert manager.get("/commissions/statement", user=org.sales_a2.pk, **period).status_code == 404


def test_order_lifecycle_over_the_api(org, api, customers, catalogue):
    CommissionRule.objects.create(name="5%", kind="percentage", rate=D("5"))
    client = api(org.sales_a1)
    response = client.post(
        "/orders",
        {
            "customer": customers.mine.pk,
            "lines": [{"product": catalogue.support.pk, "quantity": "2"}],
            "splits": [{"user": org.sales_a1.pk, "share": "50"}, {"user": org.sales_a2.pk, "share": "50"}],
        },
    )
    assert response.status_code == 201, response.json()
    order = response.json()
    assert D(order["total"]) == D("2400") and len(order["lines"]) == 1
    refund = client.post(f"/orders/{order['id']}/refunds", {"amount": "400", "reason": "部分退货"})
    assert refund.status_code == 201
    assert client.post(f"/orders/{order['id']}/refunds", {"amount": "9999"}).status_code == 422
    cancelled = client.post(f"/orders/{order['id']}/cancel", {"reason": "取消"})
    assert cancelled.json()["status"] == "cancelled"
    assert client.post(f"/orders/{order['id']}/cancel", {}).status_code == 409
    period = {"start": "2020-01-01", "end": "2029-12-31"}
    assert D(client.get("/commissions/statement", **period).json()["net"]) == 0


def test_bad_input_gets_field_errors(org, api, customers, catalogue):
    client = api(org.sales_a1)
    response = client.post(
        "/orders", {"customer": customers.mine.pk, "lines": [{"product": 999999, "quantity": "1"}]}
    )
    assert response.status_code == 422 and "lines.0.product" in response.json()["fields"]
    response = client.post(
        "/contracts", {"number": "N", "title": "t", "customer": customers.theirs.pk, "amount": "1"}
    )
    assert response.status_code == 422 and "customer" in response.json()["fields"]
    assert client.post("/opportunities", {"name": "", "customer": customers.mine.pk}).status_code == 422
    assert client.get("/commissions/statement", start="2026-02-01", end="2026-01-01").status_code == 422


def test_products_and_rules_need_capabilities(org, api, catalogue):
    assert api(org.sales_a1).post("/products", {"code": "X", "name": "x", "price": "1"}).status_code == 403
    created = api(org.manager_east).post("/products", {"code": "X", "name": "新品", "price": "99.5"})
    assert created.status_code == 201
    assert (
        api(org.manager_east).post("/products", {"code": "X", "name": "dup", "price": "1"}).status_code == 422
    )
    listed = api(org.sales_a1).get("/products", category=catalogue.hardware.pk).json()
    assert {p["code"] for p in listed["items"]} == {"LT-1", "HW-9"}  # sub-categories included
    rule = {
        "name": "阶梯",
        "kind": "tiered",
        "tiers": [{"from": "0", "rate": "1"}, {"from": "1000", "rate": "3"}],
    }
    assert api(org.sales_a1).post("/commission-rules", rule).status_code == 403
    response = api(org.finance).post("/commission-rules", rule)
    assert response.status_code == 201 and len(response.json()["tiers"]) == 2


def test_value_tiers_over_the_api(org, api, customers, catalogue):
    orders.create_order(
        org.sales_a1,
        {"customer": customers.mine.pk, "lines": [{"product": catalogue.laptop.pk, "quantity": 20}]},
    )
    assert api(org.sales_a1).post("/value-tiers/recompute").status_code == 403
    assert api(org.manager_east).post("/value-tiers/recompute").json()["valued"] == 1
    value = api(org.sales_a1).get(f"/customers/{customers.mine.pk}/value").json()
    assert value["frequency"] == 1 and D(value["monetary"]) == D("100000")
    listed = api(org.sales_a1).get("/customers", value_tier=value["tier"]).json()
    assert [c["id"] for c in listed["items"]] == [customers.mine.pk]
    settings = api(org.manager_east).get("/value-tiers/settings").json()
    settings["method"] = "quantiles"
    assert (
        api(org.manager_east)._call("put", "/value-tiers/settings", settings).json()["method"] == "quantiles"
    )
