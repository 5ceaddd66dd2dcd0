"""Fixtures shared by the whole suite: an organisation with people in every role."""

import pytest
from django.test import Client

from kehu.accounts.models import Department, Role, SalesRegion, Team, User
from kehu.accounts.services import issue_token

PASSWORD = "Secret-pass-123"  # noqa: S105 - test fixture password


@pytest.fixture(autouse=True)
def fresh_process_caches():
    """Per-process copies of settings-like rows (pools, intake configuration, scoped
    querysets, reference names) start empty in
    every test: a rolled-back test leaves no signal behind to clear them."""
    from kehu.accounts.scope import forget_departments, forget_scopes
    from kehu.core.reference import forget_names
    from kehu.leads.services.intake import forget_configuration
    from kehu.pool.services.visibility import forget_pools

    forget_configuration()
    forget_pools()
    forget_departments()
    forget_scopes()
    forget_names()
    yield


@pytest.fixture
def org(db):
    """Two sales departments (East with two teams, South), and people in every role.

    Returns a namespace of users: admin, manager_east, sales_a1, sales_a2 (team A1),
    sales_b (team B, East), sales_south, marketer, service, finance.
    """
    roles = {r.code: r for r in Role.objects.all()}
    company = Department.objects.create(name="总部")
    east = Department.objects.create(name="华东销售部", parent=company)
    east_sub = Department.objects.create(name="杭州分部", parent=east)
    south = Department.objects.create(name="华南销售部", parent=company)
    team_a, team_b = (
        Team.objects.create(name="A组", department=east),
        Team.objects.create(name="B组", department=east),
    )

    def make(username, role, department, team=None, **extra):
        user = User.objects.create_user(
            username=username,
            password=PASSWORD,
            name=extra.pop("name", username),
            role=roles[role],
            department=department,
            **extra,
        )
        if team:
            user.teams.add(team)
        return user

    people = {
        "admin": make("admin", "admin", company, is_superuser=True, is_staff=True),
        "manager_east": make("manager_east", "sales_manager", east),
        "sales_a1": make("sales_a1", "salesperson", east, team_a),
        "sales_a2": make("sales_a2", "salesperson", east, team_a),
        "sales_b": make("sales_b", "salesperson", east_sub, team_b),
        "sales_south": make("sales_south", "salesperson", south),
        "marketer": make("marketer", "marketer", company),
        "service": make("service", "customer_service", company),
        "finance": make("finance", "finance", company),
    }
    east.manager = people["manager_east"]
    east.save()
    team_a.leader = people["sales_a1"]
    team_a.save()
    region = SalesRegion.objects.create(name="华东大区")
    region.members.add(people["sales_a1"], people["sales_a2"])

    class Org:
        pass

    ns = Org()
    for key, value in people.items():
        setattr(ns, key, value)
    ns.departments = {"company": company, "east": east, "east_sub": east_sub, "south": south}
    ns.teams = {"a": team_a, "b": team_b}
    ns.roles = roles
    return ns


class ApiClient:
    """Django's test client speaking JSON with an API token."""

    def __init__(self, user):
        self.user = user
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {issue_token(user, 'test')}"}

    def _call(self, method, path, data=None, **params):
        kwargs = {"headers": self.headers}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        elif params:
            kwargs["data"] = params
        return getattr(self.client, method)(f"/api/v1{path}", **kwargs)

    def get(self, path, **params):
        return self._call("get", path, **params)

    def post(self, path, data=None):
        return self._call("post", path, data if data is not None else {})

    def patch(self, path, data):
        return self._call("patch", path, data)

    def delete(self, path):
        return self._call("delete", path)


@pytest.fixture
def api():
    """api(user) -> a JSON client authenticated with a fresh token of ``user``."""
    return ApiClient


@pytest.fixture
def web():
    """web(user) -> a browser-like test client signed in as ``user``."""

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def password():
    """The password of every user made by the ``org`` fixture."""
    return PASSWORD
