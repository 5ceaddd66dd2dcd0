"""A salesperson cannot reach another's customer by any path: API, UI, search, export, by id or filter."""

import pytest

from kehu.customers import services
from kehu.customers.models import Contact, Customer


@pytest.fixture
def mine_and_theirs(org):
    mine = services.create_customer(org.sales_a1, {"name": "我的客户", "phone": "13800000001"})
    theirs = services.create_customer(
        org.sales_a2,
        {
            "name": "同事的客户",
            "phone": "13800000002",
            "contacts": [{"name": "同事联系人", "mobile": "13800000003"}],
        },
    )
    return mine, theirs


def test_api_read_list_search_filter(org, api, mine_and_theirs):
    mine, theirs = mine_and_theirs
    client = api(org.sales_a1)
    assert client.get(f"/customers/{theirs.pk}").status_code == 404
    assert client.get(f"/customers/{theirs.pk}/contacts").status_code == 404
    assert client.get(f"/customers/{theirs.pk}/timeline").status_code == 404
    assert client.get(f"/customers/{theirs.pk}/audit").status_code == 404
    listed = {c["id"] for c in client.get("/customers").json()["items"]}
    assert listed == {mine.pk}
    for query in ({"q": "同事"}, {"q": "13800000002"}, {"q": "13800000003"}, {"owner": str(org.sales_a2.pk)}):
        assert client.get("/customers", **query).json()["count"] == 0, query
    nearby = client.get("/customers/nearby", latitude=0, longitude=0, radius_km=500).json()
    assert theirs.pk not in {n["customer"]["id"] for n in nearby}


def test_api_update_and_delete(org, api, mine_and_theirs):
    _, theirs = mine_and_theirs
    client = api(org.sales_a1)
    assert client.patch(f"/customers/{theirs.pk}", {"name": "hacked"}).status_code == 404
    assert client.delete(f"/customers/{theirs.pk}").status_code == 404
    contact = theirs.contacts.get()
    assert client.patch(f"/contacts/{contact.pk}", {"name": "hacked"}).status_code == 404
    assert client.delete(f"/contacts/{contact.pk}").status_code == 404
    assert client.post(f"/customers/{theirs.pk}/contacts", {"name": "x"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "同事的客户" and Contact.objects.get(pk=contact.pk).name == "同事联系人"


def test_even_with_delete_capability_hidden_customers_cannot_be_deleted(org, api, mine_and_theirs):
    _, theirs = mine_and_theirs
    south_manager_role = org.roles["sales_manager"]
    org.sales_south.role = south_manager_role
    org.sales_south.save()  # a manager of another department
    assert api(org.sales_south).delete(f"/customers/{theirs.pk}").status_code == 404
    assert Customer.objects.filter(pk=theirs.pk).exists()


def test_export_contains_only_visible_rows(org, api, mine_and_theirs):
    org.roles["salesperson"].capabilities.append("export")
    org.roles["salesperson"].save()
    client = api(org.sales_a1)
    body = b"".join(client.get("/customers/export").streaming_content).decode("utf-8-sig")
    assert "我的客户" in body and "同事的客户" not in body
    body = b"".join(client.get("/customers/export", owner=str(org.sales_a2.pk)).streaming_content).decode(
        "utf-8-sig"
    )
    assert "同事的客户" not in body


def test_ui_paths(org, web, mine_and_theirs):
    mine, theirs = mine_and_theirs
    contact = theirs.contacts.get()
    client = web(org.sales_a1)
    assert client.get(f"/customers/{theirs.pk}/").status_code == 404
    assert client.get(f"/customers/{theirs.pk}/edit/").status_code == 404
    assert (
        client.post(
            f"/customers/{theirs.pk}/edit/", {"kind": "person", "name": "hacked", "type": "potential"}
        ).status_code
        == 404
    )
    assert client.post(f"/customers/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/customers/{theirs.pk}/notes/", {"kind": "note", "title": "x"}).status_code == 404
    assert client.get(f"/customers/{theirs.pk}/contacts/{contact.pk}/").status_code == 404
    assert client.get(f"/customers/{mine.pk}/contacts/{contact.pk}/").status_code == 404  # id swapping
    assert client.post(f"/customers/{theirs.pk}/contacts/{contact.pk}/delete/").status_code == 404
    page = client.get("/customers/", {"q": "同事"}).content.decode()
    assert "同事的客户" not in page
    page = client.get("/customers/", {"owner": org.sales_a2.pk}).content.decode()
    assert "同事的客户" not in page
    assert "我的客户" in client.get("/customers/").content.decode()
    theirs.refresh_from_db()
    assert theirs.name == "同事的客户" and not theirs.timeline.filter(kind="note").exists()


def test_manager_reaches_the_department_but_not_beyond(org, api, mine_and_theirs):
    _, theirs = mine_and_theirs
    south = services.create_customer(org.sales_south, {"name": "华南客户"})
    client = api(org.manager_east)
    assert client.get(f"/customers/{theirs.pk}").status_code == 200
    assert client.get(f"/customers/{south.pk}").status_code == 404


def test_ui_export_contains_only_visible_rows(org, web, mine_and_theirs):
    assert web(org.sales_a1).get("/customers/export/").status_code == 403  # no export capability
    org.roles["salesperson"].capabilities.append("export")
    org.roles["salesperson"].save()
    for query in ({}, {"owner": org.sales_a2.pk}, {"q": "同事"}):
        response = web(org.sales_a1).get("/customers/export/", {"format": "csv", **query})
        body = b"".join(response.streaming_content).decode("utf-8-sig")
        assert "同事的客户" not in body, query
    body = b"".join(web(org.sales_a1).get("/customers/export/").streaming_content).decode("utf-8-sig")
    assert "我的客户" in body
