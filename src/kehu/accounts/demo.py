"""Demo organisation: departments, teams, sales regions, about twenty users in every role."""

import datetime as dt

from django.contrib.auth.hashers import make_password

from kehu.accounts.models import Department, Role, SalesRegion, Team, User
from kehu.core.models import Industry, Region
from kehu.customers.models import Dealer, LostReason, Tag

PASSWORD = "kehu-demo-2026"  # noqa: S105 - documented demo password
TAGS = (
    ("VIP", "#c8102e"),
    ("老客户", "#1a7f37"),
    ("价格敏感", "#b7791f"),
    ("决策人已接触", "#1f6feb"),
    ("展会", "#6f42c1"),
    ("需回访", "#d63384"),
    ("大客户", "#0b7285"),
    ("转介绍", "#5c940d"),
)
LOST_REASONS = ("价格太高", "选择了竞争对手", "需求取消", "预算不足", "联系不上", "产品不满足需求")
REGIONS = {
    "华东大区": ("330000", "310000", "320000"),
    "华南大区": ("440000", "350000"),
    "华北大区": ("110000", "120000", "130000"),
    "西部大区": ("510000", "500000", "610000"),
}

# username, name, role, department, team, sales region, level, hire year
PEOPLE = (
    ("admin", "系统管理员", "admin", "总经办", None, None, "", 2018),
    ("director", "周总", "sales_manager", "销售中心", None, None, "expert", 2016),
    ("manager1", "陈经理", "sales_manager", "华东销售部", None, "华东大区", "senior", 2017),
    ("manager2", "林经理", "sales_manager", "华南销售部", None, "华南大区", "senior", 2018),
    ("manager3", "赵经理", "sales_manager", "华北销售部", None, "华北大区", "senior", 2019),
    ("sales1", "王小明", "salesperson", "华东销售部", "杭州一组", "华东大区", "intermediate", 2021),
    ("sales2", "李婷", "salesperson", "华东销售部", "杭州一组", "华东大区", "junior", 2024),
    ("sales3", "张伟", "salesperson", "华东销售部", "上海二组", "华东大区", "senior", 2019),
    ("sales4", "刘洋", "salesperson", "华东销售部", "上海二组", "华东大区", "junior", 2025),
    ("sales5", "黄丽", "salesperson", "华南销售部", "深圳组", "华南大区", "intermediate", 2022),
    ("sales6", "吴强", "salesperson", "华南销售部", "广州组", "华南大区", "junior", 2023),
    ("sales7", "徐静", "salesperson", "华北销售部", "北京组", "华北大区", "senior", 2018),
    ("sales8", "孙磊", "salesperson", "华北销售部", "北京组", "华北大区", "intermediate", 2022),
    ("sales9", "马超", "salesperson", "西部销售部", "成都组", "西部大区", "intermediate", 2021),
    ("sales10", "朱敏", "salesperson", "西部销售部", "成都组", "西部大区", "junior", 2025),
    ("marketing1", "郭芳", "marketer", "市场部", None, None, "", 2020),
    ("marketing2", "何鹏", "marketer", "市场部", None, None, "", 2023),
    ("service1", "高燕", "customer_service", "客服部", None, None, "", 2021),
    ("service2", "罗杰", "customer_service", "客服部", None, None, "", 2024),
    ("finance1", "郑会计", "finance", "财务部", None, None, "", 2019),
)
DEPARTMENTS = (
    ("总经办", None),
    ("销售中心", "总经办"),
    ("华东销售部", "销售中心"),
    ("华南销售部", "销售中心"),
    ("华北销售部", "销售中心"),
    ("西部销售部", "销售中心"),
    ("市场部", "总经办"),
    ("客服部", "总经办"),
    ("财务部", "总经办"),
)
TEAMS = (
    ("杭州一组", "华东销售部", "sales1"),
    ("上海二组", "华东销售部", "sales3"),
    ("深圳组", "华南销售部", "sales5"),
    ("广州组", "华南销售部", None),
    ("北京组", "华北销售部", "sales7"),
    ("成都组", "西部销售部", "sales9"),
)
MANAGERS = {
    "总经办": "admin",
    "销售中心": "director",
    "华东销售部": "manager1",
    "华南销售部": "manager2",
    "华北销售部": "manager3",
    "西部销售部": "director",
}


def build() -> dict[str, User]:
    departments: dict[str, Department] = {}
    for name, parent in DEPARTMENTS:
        departments[name], _ = Department.objects.get_or_create(
            name=name, defaults={"parent": departments.get(parent)}
        )
    teams = {
        name: Team.objects.get_or_create(name=name, department=departments[dept])[0]
        for name, dept, _ in TEAMS
    }
    regions = {}
    for name, provinces in REGIONS.items():
        regions[name], _ = SalesRegion.objects.get_or_create(name=name)
        regions[name].regions.set(Region.objects.filter(code__in=provinces))
    roles = {r.code: r for r in Role.objects.all()}
    industries = list(Industry.objects.filter(code__in=["C", "F", "I", "M"]))
    password = make_password(PASSWORD)
    users = {}
    for i, (username, name, role, dept, team, region, level, year) in enumerate(PEOPLE):
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "name": name,
                "role": roles[role],
                "department": departments[dept],
                "password": password,
                "email": f"{username}@demo.kehu.example",
                "level": level,
                "hire_date": dt.date(year, 3 + i % 9, 1 + i % 27),
                "is_staff": role == "admin",
                "is_superuser": role == "admin",
                "customer_scales": ["small", "medium"] if level else [],
            },
        )
        if created and team:
            user.teams.add(teams[team])
        if created and region:
            regions[region].members.add(user)
        if created and role == "salesperson":
            user.industries.set(industries[i % len(industries) :][:2])
        users[username] = user
    for dept, username in MANAGERS.items():
        Department.objects.filter(pk=departments[dept].pk, manager=None).update(manager=users[username])
    for name, _, leader in TEAMS:
        if leader:
            Team.objects.filter(pk=teams[name].pk, leader=None).update(leader=users[leader])
    for name, color in TAGS:
        Tag.objects.get_or_create(name=name, defaults={"color": color})
    for name in LOST_REASONS:
        LostReason.objects.get_or_create(name=name)
    _dealers(users)
    return users


def _dealers(users):
    cities = list(
        Region.objects.filter(
            level=2, code__in=["330100", "310100", "440300", "110100", "510100", "320100", "420100", "610100"]
        )
    )
    for i, city in enumerate(cities, start=1):
        short = city.name.removesuffix("市")
        Dealer.objects.get_or_create(
            code=f"D{i:04d}",
            defaults={
                "name": f"{short}{'恒达鼎盛华信远航金桥启明'[i % 6 * 2 : i % 6 * 2 + 2]}商贸有限公司",
                "level": Dealer.Level.CITY if i > 2 else Dealer.Level.PROVINCIAL,
                "region": city,
                "contact_name": f"{'王李张刘陈杨黄赵'[i % 8]}经理",
                "phone": f"1390000{i:04d}",
                "address": f"{city.name}人民路{i * 17}号",
                "manager": users["director"],
            },
        )


def load(options) -> None:
    build()
