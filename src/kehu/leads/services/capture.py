"""The public capture endpoint's rules: form keys, origins, rate limits and the honeypot.

Rate limits count posts per form key and per visitor IP in fixed one-minute windows in
the cache (Redis in production, so every web process shares the counts).
"""

from django.core.cache import cache
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import NotFound, RateLimited

from ..models import CaptureForm
from .intake import RowResult, intake_one

# Fields a public form may set; anything else is kept in the lead's "other fields".
PUBLIC_FIELDS = {
    "name", "company", "title", "phone", "email", "wechat", "address", "city", "province", "district",
    "demand_type", "urgency", "notes", "company_size", "industry", "kind",
}  # fmt: skip


def form_for(key: str) -> CaptureForm:
    form = CaptureForm.objects.select_related("channel").filter(key=key, active=True).first()
    if form is None:
        raise NotFound()
    return form


def origin_allowed(form: CaptureForm, origin: str) -> bool:
    return bool(origin) and origin.rstrip("/") in form.origins()


def _hit(name: str, limit: int) -> bool:
    window = int(clock.now().timestamp() // 60)
    key = f"kehu:capture:{name}:{window}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count <= limit


def check_rate(form: CaptureForm, ip: str) -> None:
    # The per-IP window is checked first, so one noisy visitor does not use up the form's quota.
    if not _hit(f"ip:{form.pk}:{ip}", form.per_ip_per_minute) or not _hit(
        f"key:{form.pk}", form.per_key_per_minute
    ):
        raise RateLimited(_("Too many submissions; try again in a minute."))


def capture(form: CaptureForm, data: dict, ip: str) -> RowResult | None:
    """Store a submitted lead; ``None`` for a bot that filled the honeypot (answered as success)."""
    check_rate(form, ip)
    if str(data.get(form.honeypot_field) or "").strip():
        return None
    values = {k: v for k, v in data.items() if k in PUBLIC_FIELDS and isinstance(v, str | int)}
    extra = {
        str(k): str(v)
        for k, v in data.items()
        if k not in PUBLIC_FIELDS and k != form.honeypot_field and isinstance(v, str | int)
    }
    extra["capture_form"] = form.name
    if ip:
        extra["ip"] = ip
    values["extra"] = extra
    return intake_one(None, values, path="capture", channel=form.channel)
