"""Demo activities: follow-ups (with the tasks they plan), appointments, consultations and
after-sales cases for the salespeople's customers, written through the services so that
timelines, last-contact times, tasks and reminders are what real use would leave behind."""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from kehu.accounts.models import User
from kehu.core import clock
from kehu.core.errors import Conflict, ValidationFailed
from kehu.customers.models import Customer

from . import services
from .models import Appointment, FollowUp, ServiceCase

PER_PERSON = 20  # customers per salesperson that get a history

FOLLOW_UPS = (
    ("call", "电话沟通了采购计划，对方预计下季度启动", "有意向"),
    ("call", "电话无人接听，已发短信说明来意", ""),
    ("wechat", "微信发送了产品手册和案例介绍", "已读，待回复"),
    ("wechat", "客户在微信上询问了交货周期和售后政策", "要报价"),
    ("visit", "上门拜访，和采购经理面谈，参观了生产线", "需求明确"),
    ("visit", "陪同技术工程师现场演示设备，客户反馈良好", "进入商务谈判"),
    ("email", "邮件发送正式报价单和合同草案", "等待审批"),
    ("meeting", "参加客户内部评审会，回答了技术问题", "通过初审"),
    ("call", "回访使用情况，客户提出两点改进建议", "满意"),
    ("meeting", "视频会议确认合同条款和付款方式", "准备签约"),
)
PLACES = ("客户公司会议室", "我司展厅", "星巴克（万象城店）", "客户工厂", "线上会议（腾讯会议）")
APPOINTMENT_TITLES = ("产品演示", "商务洽谈", "合同签约", "售后回访", "技术交流", "新品推介")
CONSULTATIONS = (
    ("phone", "咨询批量采购折扣", "采购 500 台以上有什么优惠？", "按阶梯价，500 台以上 9 折，已发价目表。"),
    ("wechat", "询问发票开具", "能开增值税专用发票吗？", "可以，请提供开票信息。"),
    ("online", "咨询安装服务", "是否提供上门安装？", "本市免费上门安装，外地按距离收费。"),
    ("email", "咨询保修政策", "整机保修多久？", "整机保修两年，核心部件五年。"),
    ("visit", "到店了解新品", "新款和旧款有什么区别？", "能耗降低 20%，已现场演示。"),
)
CASES = (
    (
        "repair",
        "high",
        "设备开机报错 E03",
        "客户反馈设备开机后显示 E03，无法正常运行。",
        "更换主板，已恢复运行。",
    ),
    ("complaint", "normal", "送货延迟三天", "物流原因导致送货延迟，客户不满。", "致歉并赠送一年延保。"),
    ("return", "normal", "包装破损申请换货", "收货时外包装破损，一台外壳有划痕。", "已安排换货。"),
    (
        "question",
        "low",
        "不会设置定时功能",
        "客户不清楚定时功能如何设置。",
        "电话指导完成设置，并发送操作视频。",
    ),
    ("repair", "normal", "噪音偏大", "使用半年后运行噪音明显变大。", ""),
)


def _people():
    return list(
        User.objects.filter(role__code__in=["salesperson", "sales_manager"], is_active=True).order_by("pk")
    )


def load(options) -> None:
    if FollowUp.objects.exists():
        options.say(f"{FollowUp.objects.count()} follow-ups already present.")
        return
    rng = random.Random(options.seed * 7919)
    now = clock.now().replace(second=0, microsecond=0)
    people = _people()
    service_people = list(User.objects.filter(role__code="customer_service", is_active=True)) or people
    counts = {"follow-ups": 0, "appointments": 0, "consultations": 0, "cases": 0}
    with options.progress("activities", len(people)) as advance:
        for person in people:
            customers = list(Customer.objects.filter(owner=person).order_by("pk")[:PER_PERSON])
            with transaction.atomic():
                for index, customer in enumerate(customers):
                    counts["follow-ups"] += _follow_ups(rng, person, customer, now, index)
                counts["appointments"] += _appointments(rng, person, customers, now)
                for customer in customers[:4]:
                    counts["consultations"] += _consultation(rng, rng.choice(service_people), customer, now)
                for customer in customers[4:7]:
                    counts["cases"] += _case(rng, rng.choice(service_people), customer, now)
            advance(1)
    options.say(
        "Added {follow-ups} follow-ups, {appointments} appointments, {consultations} consultations "
        "and {cases} after-sales cases.".format(**counts)
    )


def _follow_ups(rng, person, customer, now, index) -> int:
    """A few past follow-ups; the last one plans the next (overdue, today or later)."""
    count = rng.randint(1, 4)
    moments = sorted(
        now - dt.timedelta(days=rng.randint(1, 60), minutes=rng.randint(0, 600)) for _ in range(count)
    )
    contact = customer.contacts.first()
    for n, at in enumerate(moments):
        kind, content, outcome = rng.choice(FOLLOW_UPS)
        next_at = None
        if n == count - 1 and index % 3 != 2:
            # Spread the next follow-ups: some overdue, some today, most in the coming weeks.
            next_at = now + dt.timedelta(hours=rng.choice((-30, -4, 2, 5, 26, 50, 120, 240)))
            next_at = max(next_at, at + dt.timedelta(hours=1))
        with clock.frozen(at):
            services.record_follow_up(
                person,
                {
                    "kind": kind,
                    "customer": customer.pk,
                    "contact": contact.pk if contact else None,
                    "content": content,
                    "outcome": outcome,
                    "next_at": next_at,
                },
            )
    return count


def _appointments(rng, person, customers, now) -> int:
    made = 0
    today = timezone.localtime(now).replace(hour=0, minute=0)
    for customer in customers[:8]:
        day = today + dt.timedelta(days=rng.randint(-10, 14))
        start = day.replace(hour=rng.choice((9, 10, 14, 15, 16)), minute=rng.choice((0, 30)))
        end = start + dt.timedelta(minutes=rng.choice((60, 90, 120)))
        data = {
            "title": f"{rng.choice(APPOINTMENT_TITLES)} · {customer.name}",
            "start": start,
            "end": end,
            "place": rng.choice(PLACES),
            "customer": customer.pk,
            "remind_minutes": rng.choice((15, 30, 60)),
        }
        try:
            with transaction.atomic(), clock.frozen(min(now, start - dt.timedelta(days=2))):
                appointment = services.book_appointment(person, data)
        except (Conflict, ValidationFailed):
            continue  # the demo picked a busy slot: skip it, as a person would pick another
        if appointment.end < now:
            Appointment.objects.filter(pk=appointment.pk).update(
                status=Appointment.Status.DONE, reminded_at=now
            )
        made += 1
    return made


def _consultation(rng, author, customer, now) -> int:
    channel, subject, question, answer = rng.choice(CONSULTATIONS)
    with clock.frozen(now - dt.timedelta(days=rng.randint(0, 30), hours=rng.randint(0, 8))):
        services.record_consultation(
            author,
            {
                "customer": customer.pk,
                "channel": channel,
                "subject": subject,
                "question": question,
                "answer": answer,
            },
        )
    return 1


def _case(rng, author, customer, now) -> int:
    kind, priority, subject, description, resolution = rng.choice(CASES)
    opened = now - dt.timedelta(days=rng.randint(1, 40))
    with clock.frozen(opened):
        case = services.open_case(
            author,
            {
                "customer": customer.pk,
                "kind": kind,
                "priority": priority,
                "subject": subject,
                "description": description,
            },
        )
    path = rng.choice(
        ((), ("in_progress",), ("in_progress", "resolved"), ("in_progress", "resolved", "closed"))
    )
    for step, status in enumerate(path, start=1):
        if status == "resolved" and not resolution:
            break
        with clock.frozen(opened + dt.timedelta(hours=6 * step)):
            case = services.update_case(
                author, ServiceCase.objects.get(pk=case.pk), {"status": status, "resolution": resolution}
            )
    return 1
