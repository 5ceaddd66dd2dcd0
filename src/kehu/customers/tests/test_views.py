from kehu.core.models import Region
from kehu.customers.models import Customer


def test_create_from_the_form_and_see_it_in_the_list(org, web):
    client = web(org.sales_a1)
    assert client.get("/customers/new/").status_code == 200
    zhejiang = Region.objects.get(code="330000")
    response = client.post(
        "/customers/new/",
        {
            "kind": "person",
            "name": "赵六",
            "type": "potential",
            "phone": "138 0000 1234",
            "province": zhejiang.pk,
            "owner": org.sales_a1.pk,
        },
    )
    customer = Customer.objects.get(name="赵六")
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert customer.phone == "13800001234"
    page = client.get("/customers/").content.decode()
    assert "赵六" in page
    detail = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "赵六" in detail


def test_form_shows_field_errors_and_keeps_input(org, web):
    client = web(org.sales_a1)
    response = client.post(
        "/customers/new/",
        {
            "kind": "person",
            "name": "钱七",
            "type": "potential",
            "phone": "12345",
            "id_number": "110105194912310021",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "钱七" in html  # what was typed is kept
    assert html.count('class="errorlist"') >= 2
    assert not Customer.objects.exists()


def test_htmx_list_returns_only_the_results(org, web):
    client = web(org.sales_a1)
    response = client.get("/customers/", {"q": "nobody"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and "empty" in html


def test_empty_state_invites_to_create(org, web):
    html = web(org.sales_a1).get("/customers/").content.decode()
    assert 'href="/customers/new/"' in html


def test_region_options_cascade(org, web):
    zhejiang = Region.objects.get(code="330000")
    html = web(org.sales_a1).get("/customers/regions/", {"province": zhejiang.pk}).content.decode()
    assert "杭州市" in html and "北京市" not in html


def test_notes_and_contacts_from_the_page(org, web):
    client = web(org.sales_a1)
    client.post(
        "/customers/new/",
        {"kind": "company", "name": "某公司", "type": "potential", "owner": org.sales_a1.pk},
    )
    customer = Customer.objects.get(name="某公司")
    client.post(
        f"/customers/{customer.pk}/notes/", {"kind": "consultation", "title": "询问价格", "body": "要报价"}
    )
    client.post(f"/customers/{customer.pk}/contacts/new/", {"name": "孙经理", "mobile": "13912345678"})
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "询问价格" in html and "孙经理" in html
    filtered = client.get(f"/customers/{customer.pk}/", {"kind": "consultation"}).content.decode()
    assert "询问价格" in filtered


def test_collaborators_are_set_from_the_form_within_the_editors_scope(org, web):
    client = web(org.manager_east)
    response = client.post(
        "/customers/new/",
        {
            "kind": "company",
            "name": "协作测试有限公司",
            "type": "potential",
            "owner": org.sales_a1.pk,
            "collaborators": [org.sales_a2.pk, org.sales_b.pk],
        },
    )
    customer = Customer.objects.get(name="协作测试有限公司")
    assert response.status_code == 302
    assert set(customer.collaborators.values_list("username", flat=True)) == {"sales_a2", "sales_b"}
    # The edit form shows them selected, and someone outside the manager's department is refused.
    form = client.get(f"/customers/{customer.pk}/edit/").content.decode()
    assert f'value="{org.sales_b.pk}" selected' in form
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        {
            "kind": "company",
            "name": "协作测试有限公司",
            "type": "potential",
            "owner": org.sales_a1.pk,
            "collaborators": [org.sales_south.pk],
        },
    )
    assert response.status_code == 200 and "collaborators" in response.content.decode()
    assert set(customer.collaborators.values_list("username", flat=True)) == {"sales_a2", "sales_b"}
