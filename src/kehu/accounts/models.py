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
        """The active token ``raw`` names, with its active user and the user's role loaded.

        Every API request asks this, so it runs one fixed statement on a bare cursor
        (``_TokenRead``) instead of compiling a two-join ORM query each time, which cost
        more than the query itself."""
        if not raw.startswith(cls.PREFIX):
            return None
        return _token_read().get(_hash_token(raw))


class _TokenRead:
    """token ⋈ user ⟕ role by key hash, active token and user only, built once from the
    models' metadata; rows become instances through ``Model.from_db`` after the same
    database converters the ORM applies (datetimes and booleans on SQLite, JSON)."""

    def __init__(self, connection):
        from django.db.models.expressions import Col

        qn = connection.ops.quote_name
        self.models = []  # (model, fields, converters per field)
        columns = []
        for model, alias in ((ApiToken, "t"), (User, "u"), (Role, "r")):
            fields = model._meta.concrete_fields
            columns += [f"{alias}.{qn(f.column)}" for f in fields]
            converters = []
            for f in fields:
                col = Col(alias, f)
                # As the compiler does: the backend's converters, then the field's own.
                steps = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
                converters.append([(c, col) for c in steps])
            self.models.append((model, fields, converters))
        t, u, r = ApiToken._meta, User._meta, Role._meta
        self.sql = (
            f"SELECT {', '.join(columns)} FROM {qn(t.db_table)} t"  # noqa: S608 - model meta
            f" JOIN {qn(u.db_table)} u ON u.{qn(u.pk.column)} = t.{qn(t.get_field('user').column)}"
            f" LEFT JOIN {qn(r.db_table)} r ON r.{qn(r.pk.column)} = u.{qn(u.get_field('role').column)}"
            f" WHERE t.{qn(t.get_field('key_hash').column)} = %s"
            f" AND t.{qn(t.get_field('revoked_at').column)} IS NULL"
            f" AND u.{qn(u.get_field('is_active').column)} = %s"
        )
        self.connection = connection

    def get(self, key_hash: str) -> "ApiToken | None":
        with self.connection.cursor() as cursor:
            cursor.execute(self.sql, [key_hash, True])
            row = cursor.fetchone()
        if row is None:
            return None
        instances, start = [], 0
        for model, fields, converters in self.models:
            values = list(row[start : start + len(fields)])
            start += len(fields)
            for i, steps in enumerate(converters):
                for convert, col in steps:
                    values[i] = convert(values[i], col, self.connection)
            present = values[0] is not None  # the role's columns are NULL for a user without one
            instances.append(model.from_db(self.connection.alias, None, values) if present else None)
        token, user, role = instances
        user.role = role
        token.user = user
        return token


def _token_read() -> _TokenRead:
    from django.db import connection  # the proxy: each thread's own connection

    # The statement and converters depend on the backend, fixed for a process.
    read = _TOKEN_READS.get(connection.vendor)
    if read is None:
        read = _TOKEN_READS[connection.vendor] = _TokenRead(connection)
    return read


_TOKEN_READS: dict[str, _TokenRead] = {}


class LoginFailure(models.Model):
    """A failed login, kept for rate limiting across processes."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, db_index=True)
    at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {self.at:%Y-%m-%d %H:%M}"
