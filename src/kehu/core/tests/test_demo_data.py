import io

from django.core.management import call_command

from kehu.accounts.models import Role, User
from kehu.core.normalize import normalize_credit_code, normalize_email, normalize_phone, normalize_resident_id
from kehu.customers.models import Contact, Customer


def test_demo_data_is_valid_realistic_and_idempotent(db):
    out = io.StringIO()
    call_command("demo_data", customers=300, seed=3, quiet=True, stdout=out)
    users = User.objects.count()
    assert users >= 20
    assert set(Role.objects.filter(users__isnull=False).values_list("code", flat=True)) == {
        "admin",
        "sales_manager",
        "salesperson",
        "marketer",
        "customer_service",
        "finance",
    }
    # 300 generated; demo leads that other domains' demo data converts come on top.
    assert Customer.objects.count() >= 300
    customers = list(Customer.objects.filter(source_leads__isnull=True))
    assert len(customers) >= 250
    assert {c.kind for c in customers} == {"person", "company"}
    for c in customers:
        assert normalize_phone(c.phone).canonical == c.phone  # strict: real prefixes and area codes
        if c.id_number:
            assert normalize_resident_id(c.id_number) == c.id_number
            assert c.birthday.strftime("%Y%m%d") == c.id_number[6:14]
        if c.credit_code:
            assert normalize_credit_code(c.credit_code) == c.credit_code
        if c.email:
            assert normalize_email(c.email) == c.email
        assert c.city.parent_id == c.province_id and c.district.parent_id == c.city_id
    companies = [c for c in customers if c.kind == "company"]
    assert all(c.contacts.exists() for c in companies)
    assert Contact.objects.filter(is_key_person=True).count() == len(companies)
    assert Customer.tags.through.objects.exists()
    # Where a sales region covers the province, its salespeople own the customers there.
    from kehu.accounts.models import SalesRegion

    covered = set(SalesRegion.objects.values_list("regions", flat=True))
    for c in customers:
        if c.owner and c.province_id in covered:
            assert c.owner.sales_regions.filter(regions=c.province).exists()

    total = Customer.objects.count()
    call_command("demo_data", customers=300, seed=3, quiet=True, stdout=out)
    assert Customer.objects.count() == total and User.objects.count() == users
    call_command("demo_data", customers=total + 20, seed=3, quiet=True, stdout=out)
    assert Customer.objects.count() == total + 20


def test_cli_maps_short_names_to_commands():
    from django.core.management import get_commands

    from kehu.cli import resolve

    commands = get_commands()
    assert resolve(["demo-data", "--customers", "5"], commands) == ["demo_data", "--customers", "5"]
    assert resolve(["worker"], commands) == ["run_huey"]
    assert resolve(["token", "sales1"], commands) == ["token", "sales1"]
    assert resolve([], commands) == ["help"]
