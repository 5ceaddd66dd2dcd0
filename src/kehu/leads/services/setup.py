"""Defaults every installation starts with: the channel tree, demand types and grading.

Run after ``migrate`` (post_migrate), not as a data migration: the test suite's flushes
would lose migration data. Idempotent: existing rows (and an administrator's edits) stay.
"""

from ..models import Channel, DemandType, GradingRule, GradingSettings

# (code, name, English name, category, parent code, required fields or None for the default)
CHANNELS = [
    ("self_built", "自建渠道", "Self-built", "self_built", "", None),
    ("events", "会议活动", "Events", "self_built", "self_built", None),
    ("website", "官网", "Website", "self_built", "self_built", ["channel", "name", "contact"]),
    ("private_domain", "私域", "Private domain", "self_built", "self_built", None),
    ("self_media", "自媒体", "Self-media", "self_built", "self_built", ["channel", "name", "contact"]),
    ("paid", "付费渠道", "Paid", "paid", "", None),
    ("sem", "SEM 竞价", "SEM", "paid", "paid", ["channel", "name", "contact"]),
    ("purchased_list", "购买名单", "Purchased lists", "paid", "paid", ["channel", "name", "contact"]),
    ("free", "免费渠道", "Free", "free", "", None),
    ("seo", "SEO", "SEO", "free", "free", ["channel", "name", "contact"]),
    ("referral", "转介绍", "Referral", "free", "free", None),
    ("other", "其他渠道", "Other", "other", "", None),
    ("competitor_sites", "竞品网站", "Competitor sites", "other", "other", ["channel", "name", "contact"]),
    ("partnership", "合作伙伴", "Partnerships", "other", "other", None),
]

DEMAND_TYPES = [
    ("product_enquiry", "产品咨询", "Product enquiry"),
    ("quotation", "报价", "Quotation"),
    ("trial", "试用", "Trial"),
    ("solution", "方案定制", "Custom solution"),
    ("partnership", "渠道合作", "Partnership"),
    ("after_sales", "售后服务", "After-sales"),
    ("other", "其他", "Other"),
]

# field, value, points — the best possible lead scores 100.
GRADING = [
    ("phone", "", 20),
    ("email", "", 10),
    ("company", "", 15),
    ("title", "", 5),
    ("address", "", 10),
    ("industry", "", 5),
    ("company_size", "", 5),
    ("demand_type", "", 10),
    ("urgency", "high", 15),
    ("urgency", "medium", 8),
    ("notes", "", 5),
]


def ensure_defaults(**kwargs) -> None:
    by_code = {c.code: c for c in Channel.objects.all()}
    for order, (code, name, name_en, category, parent, required) in enumerate(CHANNELS):
        if code in by_code:
            continue
        by_code[code] = Channel.objects.create(
            code=code,
            name=name,
            name_en=name_en,
            category=category,
            parent=by_code.get(parent),
            required_fields=list(required or Channel.DEFAULT_REQUIRED),
            order=order * 10,
        )
    existing = set(DemandType.objects.values_list("code", flat=True))
    DemandType.objects.bulk_create(
        [DemandType(code=c, name=n, name_en=e) for c, n, e in DEMAND_TYPES if c not in existing]
    )
    # Rules are seeded with the thresholds, once: an administrator may delete rules later.
    _, created = GradingSettings.objects.get_or_create(pk=1)
    if created and not GradingRule.objects.exists():
        GradingRule.objects.bulk_create([GradingRule(field=f, value=v, points=p) for f, v, p in GRADING])
