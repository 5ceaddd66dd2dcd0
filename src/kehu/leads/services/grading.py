"""Grading: points per present field (configurable rules), a score 0-100, grades A/B/C."""

from ..models import GradingRule, GradingSettings, Lead


class Grader:
    """Loaded once per intake batch: rules and thresholds do not change mid-batch."""

    def __init__(self):
        self.rules = list(GradingRule.objects.filter(active=True).values_list("field", "value", "points"))
        settings = GradingSettings.objects.filter(pk=1).first()
        self.a_at = settings.a_at if settings else 70
        self.b_at = settings.b_at if settings else 40

    @staticmethod
    def _value(values: dict, field: str) -> str:
        if field == "mobile":
            phone = values.get("phone") or ""
            return phone if phone.startswith("1") and "-" not in phone else ""
        if field == "city":
            return str(values.get("city") or "")
        value = values.get(field)
        if value is None:
            return ""
        return str(getattr(value, "code", None) or getattr(value, "pk", None) or value)

    def score(self, values: dict) -> int:
        total = 0
        for field, wanted, points in self.rules:
            value = self._value(values, field)
            if value and (not wanted or value == wanted):
                total += points
        return max(0, min(100, total))

    def grade(self, score: int) -> str:
        if score >= self.a_at:
            return Lead.Grade.A
        if score >= self.b_at:
            return Lead.Grade.B
        return Lead.Grade.C


def regrade_all() -> int:
    """After the rules change: recompute every live lead's score and grade."""
    from ..models import Lead as LeadModel

    grader = Grader()
    changed = []
    fields = ["phone", "email", "company", "title", "address", "city", "industry", "company_size"]
    fields += ["demand_type", "urgency", "notes", "credit_code", "wechat"]
    for lead in (
        LeadModel.objects.filter(archived_at__isnull=True)
        .select_related("city", "industry", "demand_type")
        .iterator(chunk_size=2000)
    ):
        values = {f: getattr(lead, f) for f in fields}
        score = grader.score(values)
        grade = grader.grade(score)
        if (score, grade) != (lead.score, lead.grade):
            lead.score, lead.grade = score, grade
            changed.append(lead)
    LeadModel.objects.bulk_update(changed, ["score", "grade"], batch_size=1000)
    return len(changed)
