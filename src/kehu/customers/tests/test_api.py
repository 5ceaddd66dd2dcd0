import csv
import io

import openpyxl
import pytest

from kehu.core.models import Region
from kehu.customers import services
from kehu.customers.models import Customer, Tag


def test_crud_through_the_api(org, api):
    client = api(org.sales_a1)
    tag = Tag.objects.create(name="VIP")
    hangzhou = Region.objects.get(code="330100")
    response = client.post(
        "/customers",
        {
            "kind": "company",
            "name": "杭州尚祈科技有限公司",
            "phone": "0571-88123456",
            "city": hangzhou.pk,
            "province": hangzhou.parent_id,
            "tags": ["VIP"],
            "contacts": [{"name": "王经理", "mobile": "13812345678", "is_key_person": True}],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["owner"]["id"] == org.sales_a1.pk
    assert body["tags"] == ["VIP"]
    assert body["contacts"][0]["mobile"] == "13812345678"
    pk = body["id"]
    assert client.get(f"/customers/{pk}").json()["name"] == "杭州尚祈科技有限公司"
    patched = client.patch(f"/customers/{pk}", {"type": "target", "tags": [tag.pk]})
    assert patched.status_code == 200 and patched.json()["type"] == "target"
    assert client.get(f"/customers/{pk}/audit").status_code == 200
    timeline = client.get(f"/customers/{pk}/timeline").json()
    assert timeline["items"][0]["kind"] == "created"


def test_validation_errors_name_the_fields(org, api):
    response = api(org.sales_a1).post("/customers", {"name": "x", "phone": "12345", "email": "nope"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert set(body["fields"]) == {"phone", "email"}


def test_schema_errors_use_the_same_shape(org, api):
    response = api(org.sales_a1).post("/customers", {"name": 5, "kind": "alien", "latitude": 200})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"name", "kind", "latitude"}


def test_malformed_json_and_unknown_paths_are_json_errors(org, api):
    client = api(org.sales_a1)
    response = client.client.post(
        "/api/v1/customers", data="{nope", content_type="application/json", headers=client.headers
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    missing = client.get("/no-such-thing")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    huge = client.get("/customers/99999999999999999999999")
    assert huge.status_code == 422


def test_list_filters_sorts_and_paginates(org, api):
    for i in range(7):
        services.create_customer(
            org.sales_a1, {"name": f"客户{i}", "type": "target" if i % 2 else "potential"}
        )
    services.create_customer(org.manager_east, {"name": "别人的", "owner": org.sales_a2.pk, "type": "target"})
    client = api(org.manager_east)
    page = client.get("/customers", owner=str(org.sales_a1.pk), type="target", page_size=2).json()
    assert page["count"] == 3 and len(page["items"]) == 2
    assert {c["owner"]["id"] for c in page["items"]} == {org.sales_a1.pk}
    names = [c["name"] for c in client.get("/customers", sort="name", page_size=50).json()["items"]]
    assert names == sorted(names)
    assert client.get("/customers", q="客户3").json()["count"] == 1


def test_search_by_phone_in_any_format_finds_contacts_too(org, api):
    customer = services.create_customer(org.sales_a1, {"name": "公司甲", "kind": "company"})
    services.add_contact(org.sales_a1, customer, {"name": "联系人", "mobile": "13900001111"})
    services.add_contact(org.sales_a1, customer, {"name": "联系人2", "mobile": "13900002222"})
    result = api(org.sales_a1).get("/customers", q="+86 139-0000-1111").json()
    assert [c["name"] for c in result["items"]] == ["公司甲"]


def test_export_csv_and_xlsx(org, api):
    services.create_customer(org.sales_a1, {"name": "导出客户", "phone": "13812345678"})
    client = api(org.manager_east)
    response = client.get("/customers/export", format="csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[1][2] == "导出客户" and rows[1][4] == "13812345678"
    response = client.get("/customers/export", format="xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=3).value == "导出客户"


def test_export_needs_the_capability(org, api):
    assert api(org.sales_a1).get("/customers/export").status_code == 403


def test_customers_near_a_point(org, api):
    services.create_customer(org.sales_a1, {"name": "西湖边", "latitude": 30.2590, "longitude": 120.1480})
    services.create_customer(org.sales_a1, {"name": "萧山", "latitude": 30.1850, "longitude": 120.2650})
    services.create_customer(org.sales_a1, {"name": "上海", "latitude": 31.2300, "longitude": 121.4700})
    services.create_customer(
        org.sales_a2, {"name": "别人的西湖客户", "latitude": 30.2600, "longitude": 120.1500}
    )
    found = (
        api(org.sales_a1).get("/customers/nearby", latitude=30.2741, longitude=120.1551, radius_km=20).json()
    )
    assert [f["customer"]["name"] for f in found] == ["西湖边", "萧山"]
    assert found[0]["distance_km"] < found[1]["distance_km"] < 20


@pytest.mark.parametrize(
    "query", [{"owner": "x"}, {"type": "nope"}, {"page": 0}, {"page_size": 1000}, {"sort": "password"}]
)
def test_bad_query_parameters_are_field_errors(org, api, query):
    response = api(org.sales_a1).get("/customers", **query)
    assert response.status_code == 422
    assert response.json()["fields"]


def test_reference_lists(org, api):
    client = api(org.sales_a1)
    provinces = client.get("/regions").json()
    assert any(r["code"] == "330000" for r in provinces)
    zhejiang = next(r for r in provinces if r["code"] == "330000")
    assert any(r["name"] == "杭州市" for r in client.get("/regions", parent=zhejiang["id"]).json())
    assert len(client.get("/industries").json()) >= 19


def test_openapi_document_is_served(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/customers" in doc["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_api_docs_use_local_assets_only(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "cdn." not in html and "//unpkg" not in html


def test_customer_count_unchanged_after_failed_create(org, api):
    api(org.sales_a1).post("/customers", {"name": "x", "contacts": [{"name": "y", "mobile": "abc"}]})
    assert Customer.objects.count() == 0  # the contact error rolled back the customer


def test_list_rows_have_the_documented_shape_and_agree_with_the_detail(org, api):
    """The list renders its rows without Ninja's re-validation: they must still match
    CustomerListItem field for field, and say what the detail endpoint says."""
    from pydantic import TypeAdapter

    from kehu.core.models import Industry
    from kehu.core.schemas import Page
    from kehu.customers.models import Dealer
    from kehu.customers.schemas import CustomerListItem

    district = Region.objects.filter(level=3, parent__level=2, parent__parent__level=1).first()
    dealer = Dealer.objects.create(name="杭州经销商", code="D-1")
    Tag.objects.create(name="VIP")
    Tag.objects.create(name="重点")
    customer = services.create_customer(
        org.sales_a1,
        {
            "name": "全字段客户",
            "phone": "13812345678",
            "email": "all@example.com",
            "province": district.parent.parent_id,
            "city": district.parent_id,
            "district": district.pk,
            "industry": Industry.objects.first().pk,
            "dealer": dealer.pk,
            "tags": ["VIP", "重点"],
        },
    )
    Customer.objects.filter(pk=customer.pk).update(last_contact_at=customer.created_at, value_tier="high")
    for viewer in (org.sales_a1, org.marketer, org.admin):
        client = api(viewer)
        response = client.get("/customers", q="全字段客户")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        body = response.json()
        TypeAdapter(Page[CustomerListItem]).validate_python(body)
        detail = client.get(f"/customers/{customer.pk}")
        if detail.status_code == 404:  # a viewer outside the scope sees neither
            assert body["items"] == []
            continue
        (item,) = [i for i in body["items"] if i["id"] == customer.pk]
        assert set(item) == set(CustomerListItem.model_fields)
        expected = detail.json()
        assert {key: expected[key] for key in item} == item
        assert item["tags"] == ["VIP", "重点"] and item["dealer"]["name"] == "杭州经销商"
        assert item["last_contact_at"] == item["created_at"] is not None
    # In English, regions and industries carry their English names (the detail's too).
    client = api(org.sales_a1)
    client.headers["Accept-Language"] = "en"
    (item,) = client.get("/customers", q="全字段客户").json()["items"]
    detail = client.get(f"/customers/{customer.pk}").json()
    assert item["district"]["name"] == district.name_en != district.name
    assert {key: detail[key] for key in item} == item


def test_list_count_without_a_count_query_on_a_partial_page(org, api):
    for i in range(5):
        services.create_customer(org.sales_a1, {"name": f"分页{i}"})
    client = api(org.sales_a1)
    for params, expected in (
        ({"page_size": 2}, (2, 5)),
        ({"page_size": 2, "page": 3}, (1, 5)),  # the last, partial page
        ({"page_size": 5}, (5, 5)),  # full: the total comes from COUNT
        ({"page_size": 2, "page": 9}, (0, 5)),  # past the end
        ({"page_size": 50}, (5, 5)),
        ({"page_size": 50, "q": "没有这个"}, (0, 0)),
    ):
        body = client.get("/customers", **params).json()
        assert (len(body["items"]), body["count"]) == expected, params
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as partial:
        client.get("/customers", page_size=50)
    with CaptureQueriesContext(connection) as full:
        client.get("/customers", page_size=5)
    counts = [q for q in full.captured_queries if "COUNT(" in q["sql"]]
    assert counts and len(partial.captured_queries) == len(full.captured_queries) - 1


def test_list_datetimes_are_what_the_json_encoder_writes(org):
    """page_rows writes SQLite's stored datetime text straight as JSON text: it must equal
    what values() and the API's encoder give, with and without fractions of a second."""
    import datetime as dt

    from kehu.customers import listing

    base = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    moments = [base, base.replace(microsecond=500), base.replace(microsecond=123456), None]
    ids = []
    for i, moment in enumerate(moments):
        customer = services.create_customer(org.sales_a1, {"name": f"时刻{i}"})
        Customer.objects.filter(pk=customer.pk).update(last_contact_at=moment, updated_at=moment or base)
        ids.append(customer.pk)
    qs = Customer.objects.filter(pk__in=ids).order_by("pk")
    expected = [
        {**row, **{name: listing._when(row[name]) for name in listing.DATETIMES}}
        for row in qs.values(*listing.FIELDS)
    ]
    assert listing.page_rows(qs) == expected
    got = [row["last_contact_at"] for row in listing.page_rows(qs)]
    assert got == ["2026-03-04T05:06:07Z", "2026-03-04T05:06:07.000Z", "2026-03-04T05:06:07.123Z", None]
