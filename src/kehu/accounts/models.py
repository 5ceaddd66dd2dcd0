import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kehu.core import clock


class Scope(models.TextChoices):
    OWN = "own", _("own records")
    TEAM = "team", _("team's records")
    DEPARTMENT = "department", _("department's records (with sub-departments)")
    ALL = "all", _("all records")


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_departments",
        verbose_name=_("manager"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, models.CASCADE, related_name="teams", verbose_name=_("department")
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        verbose_name=_("leader"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A set of capabilities and a data scope. Built-in roles are created by migration."""

    BUILTIN = {
        "admin": _("Administrator"),
        "sales_manager": _("Sales manager"),
        "salesperson": _("Salesperson"),
        "marketer": _("Marketer"),
        "customer_service": _("Customer service"),
        "finance": _("Finance"),
    }

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    scope = models.CharField(_("data scope"), max_length=16, choices=Scope.choices, default=Scope.OWN)
    capabilities = models.JSONField(_("capabilities"), default=list, blank=True)
    # Default capabilities already granted once; an administrator's later removal sticks.
    defaults_applied = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return str(self.BUILTIN[self.code]) if self.code in self.BUILTIN else self.name


class User(AbstractUser):
    class Level(models.TextChoices):
        JUNIOR = "junior", _("junior")
        INTERMEDIATE = "intermediate", _("intermediate")
        SENIOR = "senior", _("senior")
        EXPERT = "expert", _("expert")

    class CustomerScale(models.TextChoices):
        MICRO = "micro", _("micro")
        SMALL = "small", _("small")
        MEDIUM = "medium", _("medium")
        LARGE = "large", _("large")

    name = models.CharField(_("name"), max_length=64, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    department = models.ForeignKey(
        Department,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("department"),
    )
    teams = models.ManyToManyField(Team, blank=True, related_name="members", verbose_name=_("teams"))
    role = models.ForeignKey(
        Role, models.PROTECT, null=True, blank=True, related_name="users", verbose_name=_("role")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    # Attributes used to match leads to people (direct-matching assignment).
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, blank=True)
    industries = models.ManyToManyField(
        "core.Industry", blank=True, related_name="+", verbose_name=_("industries")
    )
    customer_scales = models.JSONField(_("customer scales"), default=list, blank=True)
    on_leave = models.BooleanField(_("on leave"), default=False)

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def tenure_years(self) -> float | None:
        if not self.hire_date:
            return None
        return round((clock.today() - self.hire_date).days / 365.25, 1)

    def can(self, capability: str) -> bool:
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return bool(self.role_id) and capability in (self.role.capabilities or [])

    @property
    def scope(self) -> str:
        if self.is_superuser:
            return Scope.ALL
        return self.role.scope if self.role_id else Scope.OWN


class SalesRegion(models.Model):
    """A sales territory: a set of administrative regions and the people who cover it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    regions = models.ManyToManyField(
        "core.Region", blank=True, related_name="sales_regions", verbose_name=_("administrative regions")
    )
    members = models.ManyToManyField(
        User, blank=True, related_name="sales_regions", verbose_name=_("salespeople")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("sales region")
        verbose_name_plural = _("sales regions")

    def __str__(self) -> str:
        return self.name


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A per-user API token. Only its hash is stored; the secret is shown once."""

    PREFIX = "kehu_"

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=16)  # first characters, to tell tokens apart
    created_at = models.DateTimeField(_("created"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.hint}… ({self.name or gettext('unnamed')})"

    @classmethod
    def issue(cls, user: User, name: str = "") -> tuple["ApiToken", str]:
        raw = cls.PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_hash=_hash_token(raw), hint=raw[:12], created_at=clock.now()
        )
        return token, raw

    @classmethod
    def lookup(cls, raw: str) -> "ApiToken | None":
        if not raw.startswith(cls.PREFIX):
            return None
        # key_hash is unique: get() reads the one row without the model's default ordering.
        try:
            return (
                cls.objects.active()
                .select_related("user", "user__role")
                .get(key_hash=_hash_token(raw), user__is_active=True)
            )
        except cls.DoesNotExist:
            return None


class LoginFailure(models.Model):
    """A failed login, kept for rate limiting across processes."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {self.at:%Y-%m-%d %H:%M}"
