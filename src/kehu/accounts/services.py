"""Organisation and access: login with rate limiting, API tokens, managers."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import authenticate
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core import clock
from kehu.core.errors import RateLimited, ServiceError

from .models import ApiToken, LoginFailure, Team, User


class LoginFailed(ServiceError):
    status = 401
    code = "invalid_credentials"
    default_message = _("Wrong username or password.")


def _window_start() -> dt.datetime:
    return clock.now() - dt.timedelta(seconds=settings.KEHU_LOGIN_WINDOW_SECONDS)


def check_login_allowed(username: str, ip: str | None) -> None:
    since = _window_start()
    recent = LoginFailure.objects.filter(at__gte=since)
    if recent.filter(username=username.lower()).count() >= settings.KEHU_LOGIN_MAX_FAILURES or (
        ip and recent.filter(ip=ip).count() >= settings.KEHU_LOGIN_MAX_FAILURES_PER_IP
    ):
        raise RateLimited(
            _("Too many failed logins. Try again in %(minutes)d minutes.")
            % {"minutes": settings.KEHU_LOGIN_WINDOW_SECONDS // 60}
        )


def login(request, username: str, password: str) -> User:
    """Check credentials with rate limiting; raises LoginFailed or RateLimited."""
    username = (username or "").strip()
    ip = request.META.get("REMOTE_ADDR") if request is not None else None
    check_login_allowed(username, ip)
    user = authenticate(request, username=username, password=password)
    if user is None:
        LoginFailure.objects.create(username=username.lower(), ip=ip, at=clock.now())
        raise LoginFailed()
    LoginFailure.objects.filter(username=username.lower()).delete()
    return user


def issue_token(user: User, name: str = "") -> str:
    return ApiToken.issue(user, name)[1]


def revoke_token(user: User, token_id: int) -> None:
    ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).update(revoked_at=clock.now())


def authenticate_token(raw: str) -> User | None:
    token = ApiToken.lookup(raw)
    if token is None:
        return None
    now = clock.now()
    # Touch at most once a minute: a token used in a loop should not write on every call.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def manager_of(user: User) -> User | None:
    """Who is told when ``user`` misses a deadline: team leader, else department manager(s) upwards."""
    team = (
        Team.objects.filter(members=user)
        .exclude(leader=None)
        .exclude(leader=user)
        .select_related("leader")
        .first()
    )
    if team:
        return team.leader
    department = user.department
    while department is not None:
        if department.manager_id and department.manager_id != user.pk:
            return department.manager
        department = department.parent
    return None


def active_salespeople(queryset=None):
    """Users who can own leads and customers right now (active, not on leave)."""
    qs = queryset if queryset is not None else User.objects.all()
    return qs.filter(is_active=True, on_leave=False).filter(
        Q(role__code__in=["salesperson", "sales_manager"])
    )
