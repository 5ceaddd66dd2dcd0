import io

from django.core.management import call_command
from django.test import Client, override_settings

from kehu.accounts.models import ApiToken


def test_token_exchange_and_use(org, password):
    client = Client()
    response = client.post(
        "/api/v1/auth/token", {"username": "sales_a1", "password": password}, content_type="application/json"
    )
    assert response.status_code == 201
    token = response.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "sales_a1"
    assert me.json()["scope"] == "own"


def test_only_the_hash_of_a_token_is_stored(org):
    out = io.StringIO()
    call_command("token", "sales_a1", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("kehu_")
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert ApiToken.lookup(raw).user == org.sales_a1


def _fields(instance):
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_token_lookup_loads_what_the_orm_loads(org, django_assert_num_queries):
    from kehu.accounts.services import issue_token

    org.sales_a1.last_login = org.sales_a1.date_joined
    org.sales_a1.customer_scales = ["large"]
    org.sales_a1.save()
    raw = issue_token(org.sales_a1, "x")
    with django_assert_num_queries(1):  # token, user and role in one statement
        token = ApiToken.lookup(raw)
        role = token.user.role
    expected = ApiToken.objects.select_related("user__role").get(pk=token.pk)
    assert _fields(token) == _fields(expected)
    assert _fields(token.user) == _fields(expected.user)  # aware datetimes, booleans, JSON
    assert _fields(role) == _fields(expected.user.role)
    assert token.user.customer_scales == ["large"] and token.user.last_login.tzinfo is not None
    assert not token._state.adding and token.user._state.db == "default"

    # A user without a role: the role is None, not an empty instance.
    org.sales_a2.role = None
    org.sales_a2.save()
    assert ApiToken.lookup(issue_token(org.sales_a2)).user.role is None
    assert ApiToken.lookup("kehu_not-a-token") is None


def test_revoked_token_is_refused(org, api):
    client = api(org.sales_a1)
    assert client.get("/me").status_code == 200
    token = ApiToken.objects.get(user=org.sales_a1)
    assert client.delete(f"/auth/tokens/{token.pk}").status_code == 204
    response = client.get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_deactivated_user_token_is_refused(org, api):
    client = api(org.sales_a1)
    org.sales_a1.is_active = False
    org.sales_a1.save()
    assert client.get("/me").status_code == 401


def test_wrong_password_is_rejected_with_a_code(org):
    response = Client().post(
        "/api/v1/auth/token", {"username": "sales_a1", "password": "nope"}, content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


@override_settings(KEHU_LOGIN_MAX_FAILURES=3)
def test_login_is_rate_limited_per_username_even_with_the_right_password(org, password):
    client = Client()
    for _ in range(3):
        assert (
            client.post(
                "/api/v1/auth/token",
                {"username": "sales_a1", "password": "wrong"},
                content_type="application/json",
            ).status_code
            == 401
        )
    response = client.post(
        "/api/v1/auth/token", {"username": "sales_a1", "password": password}, content_type="application/json"
    )
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    # The UI login form is limited by the same rule.
    page = client.post("/accounts/login/", {"username": "sales_a1", "password": password})
    assert page.status_code == 429
    # Another user is not affected.
    assert (
        client.post(
            "/api/v1/auth/token",
            {"username": "sales_a2", "password": password},
            content_type="application/json",
        ).status_code
        == 201
    )


def test_ui_login_logout_and_language(org, password):
    client = Client()
    response = client.get("/customers/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(
        "/accounts/login/", {"username": "sales_a1", "password": password, "next": "/customers/"}
    )
    assert response.status_code == 302 and response["Location"] == "/customers/"
    client.post("/accounts/language/", {"language": "en", "next": "/customers/"})
    org.sales_a1.refresh_from_db()
    assert org.sales_a1.language == "en"
    assert "Customers" in client.get("/customers/").content.decode()
    client.post("/accounts/language/", {"language": "zh-hans", "next": "/customers/"})
    assert "客户" in client.get("/customers/").content.decode()
    client.post("/accounts/logout/")
    assert client.get("/customers/").status_code == 302


def test_login_does_not_redirect_off_site(org, password):
    response = Client().post(
        "/accounts/login/", {"username": "sales_a1", "password": password, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_createadmin(db):
    call_command("createadmin", username="root", password="long-enough-pw", stdout=io.StringIO())
    from kehu.accounts.models import User

    user = User.objects.get(username="root")
    assert user.is_superuser and user.role.code == "admin" and user.check_password("long-enough-pw")
