"""The sales pages: every page renders, forms work, and nobody reaches another's records."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kehu.sales.models import CommissionRule, Contract, Opportunity, Order, Stage
from kehu.sales.services import contracts, opportunities, orders


@pytest.fixture
def records(org, customers, catalogue):
    CommissionRule.objects.create(name="3%", kind="percentage", rate=D("3"))
    out = {}
    for who, customer in (("a1", customers.mine), ("a2", customers.theirs)):
        user = getattr(org, f"sales_{who}")
        out[who] = {
            "opp": opportunities.create_opportunity(
                user, {"name": f"商机-{who}", "customer": customer.pk, "amount": "100"}
            ),
            "contract": contracts.create_contract(
                user,
                {
                    "number": f"HT-{who}",
                    "title": f"合同-{who}",
                    "customer": customer.pk,
                    "amount": "900",
                    "status": "active",
                },
            ),
            "order": orders.create_order(
                user, {"customer": customer.pk, "lines": [{"product": catalogue.support.pk, "quantity": 1}]}
            ),
        }
        out[who]["attachment"] = contracts.add_attachment(
            user,
            out[who]["contract"],
            SimpleUploadedFile("x.pdf", b"%PDF-1.4", content_type="application/pdf"),
        )
    return out


def test_pages_render_for_the_owner(org, web, records, customers):
    client = web(org.sales_a1)
    mine = records["a1"]
    for url in (
        "/sales/",
        "/sales/opportunities/",
        f"/sales/opportunities/{mine['opp'].pk}/",
        "/sales/opportunities/new/",
        "/sales/contracts/",
        "/sales/contracts/?overdue=1",
        "/sales/contracts/new/",
        f"/sales/contracts/{mine['contract'].pk}/",
        f"/sales/contracts/{mine['contract'].pk}/edit/",
        "/sales/orders/",
        "/sales/orders/new/",
        f"/sales/orders/{mine['order'].pk}/",
        "/sales/products/",
        "/sales/commissions/",
        f"/customers/{customers.mine.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    board = client.get("/sales/").content.decode()
    assert "商机-a1" in board and "商机-a2" not in board
    panel = client.get(f"/customers/{customers.mine.pk}/").content.decode()
    assert "HT-a1" in panel and mine["order"].number in panel
    assert client.get(f"/sales/attachments/{mine['attachment'].pk}/").status_code == 200


def test_salesperson_cannot_reach_anothers_records_in_the_ui(org, web, records):
    client = web(org.sales_a1)
    theirs = records["a2"]
    for url in (
        f"/sales/opportunities/{theirs['opp'].pk}/",
        f"/sales/contracts/{theirs['contract'].pk}/",
        f"/sales/contracts/{theirs['contract'].pk}/edit/",
        f"/sales/orders/{theirs['order'].pk}/",
        f"/sales/attachments/{theirs['attachment'].pk}/",
        f"/sales/commissions/?user={org.sales_a2.pk}",
        f"/sales/commissions/export/?user={org.sales_a2.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(
            f"/sales/opportunities/{theirs['opp'].pk}/move/", {"stage": Stage.objects.get(code="won").pk}
        ).status_code
        == 404
    )
    assert client.post(f"/sales/orders/{theirs['order'].pk}/", {"action": "cancel"}).status_code == 404
    assert (
        client.post(
            f"/sales/contracts/{theirs['contract'].pk}/", {"action": "payment", "pay-amount": "1"}
        ).status_code
        == 404
    )
    assert Order.objects.get(pk=theirs["order"].pk).status == "confirmed"
    for url, hidden in (
        ("/sales/opportunities/", "商机-a2"),
        ("/sales/contracts/", "HT-a2"),
        ("/sales/orders/", theirs["order"].number),
        (f"/sales/orders/?q={theirs['order'].number}", f"/sales/orders/{theirs['order'].pk}/"),
    ):
        assert hidden not in client.get(url).content.decode(), url


def test_ui_exports_respect_scope(org, web, records):
    org.sales_a1.role.capabilities = [*org.sales_a1.role.capabilities, "export"]
    org.sales_a1.role.save()
    client = web(org.sales_a1)
    body = b"".join(client.get("/sales/orders/export/?format=csv").streaming_content).decode()
    assert records["a1"]["order"].number in body and records["a2"]["order"].number not in body
    body = b"".join(client.get("/sales/contracts/export/?format=csv").streaming_content).decode()
    assert "HT-a1" in body and "HT-a2" not in body
    assert web(org.service).get("/sales/orders/export/").status_code == 403  # no export capability


def test_board_moves_with_buttons_and_menu(org, web, records):
    client = web(org.sales_a1)
    opp = records["a1"]["opp"]
    needs = Stage.objects.get(code="needs")
    client.post(f"/sales/opportunities/{opp.pk}/move/", {"stage": needs.pk, "to": opp.stage_id})
    assert Opportunity.objects.get(pk=opp.pk).stage == needs
    proposal = Stage.objects.get(code="proposal")
    response = client.post(
        f"/sales/opportunities/{opp.pk}/move/",
        {"to": proposal.pk},
        headers={"HX-Request": "true", "HX-Target": "board"},
    )
    assert response.status_code == 200 and 'id="board"' in response.content.decode()
    assert Opportunity.objects.get(pk=opp.pk).stage == proposal


def test_moving_to_lost_asks_for_a_reason(org, web, records):
    from kehu.customers.models import LostReason

    LostReason.objects.create(name="预算不足")
    opp = records["a1"]["opp"]
    lost = Stage.objects.get(code="lost")
    response = web(org.sales_a1).post(f"/sales/opportunities/{opp.pk}/move/", {"stage": lost.pk})
    assert (
        response.status_code == 302
        and f"/sales/opportunities/{opp.pk}/?stage={lost.pk}" in response["Location"]
    )
    assert Opportunity.objects.get(pk=opp.pk).stage != lost


def test_order_form_creates_order_and_shows_line_errors(org, web, customers, catalogue):
    client = web(org.sales_a1)
    response = client.post(
        "/sales/orders/new/",
        {
            "customer": customers.mine.pk,
            "owner": org.sales_a1.pk,
            "product": [catalogue.laptop.pk, "", catalogue.support.pk],
            "quantity": ["2", "", "1"],
            "unit_price": ["", "", "1000"],
        },
    )
    assert response.status_code == 302
    order = Order.objects.get()
    assert order.total == D("11000")
    response = client.post(
        "/sales/orders/new/",
        {
            "customer": customers.mine.pk,
            "owner": org.sales_a1.pk,
            "product": [catalogue.laptop.pk],
            "quantity": ["-1"],
            "unit_price": [""],
        },
    )
    assert response.status_code == 200 and Order.objects.count() == 1
    assert 'role="alert"' in response.content.decode()


def test_contract_page_records_plans_payments_and_rejects_bad_files(org, web, records):
    client = web(org.sales_a1)
    contract = records["a1"]["contract"]
    url = f"/sales/contracts/{contract.pk}/"
    assert (
        client.post(url, {"action": "plan", "plan-due_on": "2020-01-01", "plan-amount": "500"}).status_code
        == 302
    )
    page = client.get(url).content.decode()
    assert 'class="overdue"' in page
    assert (
        client.post(
            url,
            {
                "action": "payment",
                "pay-amount": "500",
                "pay-received_on": "2026-01-05",
                "pay-method": "transfer",
            },
        ).status_code
        == 302
    )
    assert Contract.objects.get(pk=contract.pk).received == D("500")
    response = client.post(
        url,
        {
            "action": "attachment",
            "file": SimpleUploadedFile("v.exe", b"MZ", content_type="application/octet-stream"),
        },
    )
    assert response.status_code == 200 and contract.attachments.count() == 1


def test_statement_page_for_finance_and_self(org, web, records):
    today = dt.date.today()
    own = web(org.sales_a1).get("/sales/commissions/").content.decode()
    assert records["a1"]["order"].number in own and records["a2"]["order"].number not in own
    page = web(org.finance).get(
        f"/sales/commissions/?user={org.sales_a2.pk}&start={today.year - 1}-01-01&end={today.year + 1}-12-31"
    )
    assert records["a2"]["order"].number in page.content.decode()
    export = web(org.finance).get(f"/sales/commissions/export/?user={org.sales_a2.pk}&format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_settings_area_lists_sales_settings_by_capability(org, web):
    assert web(org.finance).get("/settings/sales/commissionrule/").status_code == 200
    assert web(org.manager_east).get("/settings/sales/stage/").status_code == 200
    assert web(org.sales_a1).get("/settings/sales/commissionrule/").status_code in (302, 403)


def test_editing_the_stage_brings_its_probability(org, web, records):
    opp = records["a1"]["opp"]
    negotiation = Stage.objects.get(code="negotiation")
    data = {
        "name": opp.name,
        "stage": negotiation.pk,
        "amount": "100",
        "probability": str(opp.probability),
        "owner": org.sales_a1.pk,
    }
    assert web(org.sales_a1).post(f"/sales/opportunities/{opp.pk}/", data).status_code == 302
    assert Opportunity.objects.get(pk=opp.pk).probability == 75
    data.update(probability="60")
    web(org.sales_a1).post(f"/sales/opportunities/{opp.pk}/", data)
    assert Opportunity.objects.get(pk=opp.pk).probability == 60
