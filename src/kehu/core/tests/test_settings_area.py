from kehu.customers.models import Dealer


def test_settings_area_follows_capabilities(org, web):
    assert web(org.sales_a1).get("/settings/").status_code == 302  # to the settings login
    admin = web(org.admin)
    assert admin.get("/settings/").status_code == 200
    for path in (
        "accounts/user/",
        "accounts/role/",
        "accounts/department/",
        "accounts/team/",
        "accounts/salesregion/",
        "customers/dealer/",
        "customers/tag/",
        "customers/lostreason/",
    ):
        assert admin.get(f"/settings/{path}").status_code == 200, path
    html = admin.get(f"/settings/accounts/role/{org.roles['salesperson'].pk}/change/").content.decode()
    assert "view_full_phone" in html  # capabilities are checkboxes


def test_a_manager_with_catalogue_rights_edits_tags_but_not_users(org, web):
    manager = web(org.manager_east)  # sales managers may manage catalogues by default
    assert manager.get("/settings/customers/tag/").status_code == 200
    assert manager.get("/settings/accounts/user/").status_code == 403
    response = manager.post("/settings/customers/tag/add/", {"name": "重点", "color": "#112233"})
    assert response.status_code == 302


def test_dealers_are_managed_with_their_capability(org, web):
    admin = web(org.admin)
    response = admin.post(
        "/settings/customers/dealer/add/",
        {"name": "杭州恒达商贸有限公司", "code": "D9001", "level": "city", "active": "on"},
    )
    assert response.status_code == 302
    assert Dealer.objects.filter(code="D9001").exists()
    assert web(org.sales_a1).get("/settings/customers/dealer/").status_code == 302


def test_nav_shows_settings_only_to_organisers(org, web):
    assert 'href="/settings/"' in web(org.admin).get("/customers/").content.decode()
    assert 'href="/settings/"' not in web(org.sales_a1).get("/customers/").content.decode()
