from decimal import Decimal

import pytest

from kehu.customers import services as customer_services
from kehu.customers.models import Dealer
from kehu.sales.models import Product, ProductCategory


class Catalogue:
    pass


@pytest.fixture
def catalogue(db):
    """Hardware (with a Laptops sub-category) and Services, one product each, and a dealer."""
    ns = Catalogue()
    ns.hardware = ProductCategory.objects.create(name="硬件")
    ns.laptops = ProductCategory.objects.create(name="笔记本", parent=ns.hardware)
    ns.services = ProductCategory.objects.create(name="服务")
    ns.laptop = Product.objects.create(
        code="LT-1", name="笔记本电脑", category=ns.laptops, price=Decimal("5000")
    )
    ns.support = Product.objects.create(
        code="SV-1", name="年度维保", category=ns.services, price=Decimal("1200")
    )
    ns.cable = Product.objects.create(code="HW-9", name="线缆", category=ns.hardware, price=Decimal("10"))
    ns.dealer = Dealer.objects.create(name="杭州经销商", code="D-HZ")
    return ns


@pytest.fixture
def customers(org):
    """One customer for sales_a1 and one for sales_a2."""

    class C:
        pass

    ns = C()
    ns.mine = customer_services.create_customer(org.sales_a1, {"name": "甲公司客户"})
    ns.theirs = customer_services.create_customer(org.sales_a2, {"name": "乙公司客户"})
    return ns
