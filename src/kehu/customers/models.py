from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#5b6b7f")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class LostReason(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("lost reason")
        verbose_name_plural = _("lost reasons")

    def __str__(self) -> str:
        return self.name


class Dealer(models.Model):
    """A dealer or distributor (经销商) through which customers buy."""

    class Level(models.TextChoices):
        NATIONAL = "national", _("national")
        PROVINCIAL = "provincial", _("provincial")
        CITY = "city", _("city")

    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=40, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, default=Level.CITY)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    region = models.ForeignKey(
        "core.Region", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_dealers",
        verbose_name=_("channel manager"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("dealer")
        verbose_name_plural = _("dealers")

    def __str__(self) -> str:
        return self.name


class CustomerQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class AliveManager(models.Manager.from_queryset(CustomerQuerySet)):
    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class Customer(models.Model):
    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        COMPANY = "company", _("company")

    class Type(models.TextChoices):
        POTENTIAL = "potential", _("potential")
        TARGET = "target", _("target")
        CLOSED = "closed", _("closed")
        LOST = "lost", _("lost")

    class Gender(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    class Size(models.TextChoices):
        MICRO = "micro", _("micro (< 10 staff)")
        SMALL = "small", _("small (10–99)")
        MEDIUM = "medium", _("medium (100–999)")
        LARGE = "large", _("large (1000+)")

    class ValueTier(models.TextChoices):
        HIGH = "high", _("high value")
        MIDDLE = "middle", _("middle value")
        LOW = "low", _("low value")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=10, choices=Type.choices, default=Type.POTENTIAL)
    lost_reason = models.ForeignKey(
        LostReason, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("lost reason")
    )
    # Identifiers, stored in canonical form (see kehu.core.normalize).
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    phone_key = models.CharField(max_length=24, blank=True, db_index=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True, db_index=True)
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True, db_index=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True, db_index=True)
    # Person
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    occupation = models.CharField(_("occupation"), max_length=64, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # Company
    industry = models.ForeignKey(
        "core.Industry", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("industry")
    )
    size = models.CharField(_("company size"), max_length=8, choices=Size.choices, blank=True)
    # Where
    address = models.CharField(_("address"), max_length=255, blank=True)
    province = models.ForeignKey(
        "core.Region", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("province")
    )
    city = models.ForeignKey(
        "core.Region", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("city")
    )
    district = models.ForeignKey(
        "core.Region", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("district")
    )
    sales_region = models.ForeignKey(
        "accounts.SalesRegion",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("sales region"),
    )
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    # Who
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("owner"),
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        through="Collaborator",
        related_name="collaborating_customers",
        verbose_name=_("collaborators"),
    )
    dealer = models.ForeignKey(
        Dealer, models.SET_NULL, null=True, blank=True, related_name="customers", verbose_name=_("dealer")
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers", verbose_name=_("tags"))
    notes = models.TextField(_("notes"), blank=True)
    value_tier = models.CharField(_("value tier"), max_length=8, choices=ValueTier.choices, blank=True)
    last_contact_at = models.DateTimeField(_("last contact"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), db_index=True)
    updated_at = models.DateTimeField(_("updated"))
    deleted_at = models.DateTimeField(null=True, blank=True)

    objects = AliveManager()
    all_objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        base_manager_name = "all_objects"
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # The list indexes are partial (live customers only): every query of the app excludes
        # deleted rows, so the filter, the order and COUNT(*) are all answered from the index.
        indexes = [
            # The salesperson's list: my customers of a type, most recently contacted first.
            models.Index(
                fields=["owner", "type", "-last_contact_at", "-id"],
                name="cust_owner_type_contact",
                condition=models.Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["owner", "-last_contact_at", "-id"],
                name="cust_owner_contact",
                condition=models.Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["type", "-last_contact_at", "-id"],
                name="cust_type_contact",
                condition=models.Q(deleted_at__isnull=True),
            ),
            models.Index(
                fields=["-last_contact_at", "-id"],
                name="cust_contact",
                condition=models.Q(deleted_at__isnull=True),
            ),
            models.Index(fields=["name"], name="cust_name"),
            models.Index(fields=["latitude", "longitude"], name="cust_geo"),
            models.Index(fields=["city", "district"], name="cust_city"),
            models.Index(fields=["value_tier"], name="cust_value_tier"),
        ]

    def __str__(self) -> str:
        return self.name


class Collaborator(models.Model):
    customer = models.ForeignKey(Customer, models.CASCADE, related_name="collaborator_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")

    class Meta:
        unique_together = [("customer", "user")]
        indexes = [models.Index(fields=["user", "customer"], name="collab_user")]

    def __str__(self) -> str:
        return f"{self.user} → {self.customer}"


class Contact(models.Model):
    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    name = models.CharField(_("name"), max_length=64)
    title = models.CharField(_("job title"), max_length=64, blank=True)
    is_key_person = models.BooleanField(_("key person"), default=False)
    gender = models.CharField(_("gender"), max_length=8, choices=Customer.Gender.choices, blank=True)
    mobile = models.CharField(_("mobile"), max_length=32, blank=True)
    phone = models.CharField(_("office phone"), max_length=32, blank=True)
    phone_key = models.CharField(max_length=24, blank=True, db_index=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True, db_index=True)
    wechat = models.CharField(_("WeChat"), max_length=64, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-is_key_person", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name


class TimelineEntry(models.Model):
    """One thing that happened to a customer (客户动态). Kinds are registered in timeline.py."""

    customer = models.ForeignKey(
        Customer, models.CASCADE, related_name="timeline", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=32)
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("details"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    # What this entry is about, when it is a record of another domain (a lead, an order …).
    ref_type = models.CharField(max_length=40, blank=True)
    ref_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at"], name="timeline_customer_at")]
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline")

    def __str__(self) -> str:
        return self.title


def customer_scope_rule(user, ids):
    if ids is None:
        return None
    return Q(owner_id__in=ids) | Q(pk__in=Collaborator.objects.filter(user=user).values("customer_id"))


def contact_scope_rule(user, ids):
    alive = Q(customer__deleted_at__isnull=True)
    if ids is None:
        return alive
    return alive & (
        Q(customer__owner_id__in=ids)
        | Q(customer_id__in=Collaborator.objects.filter(user=user).values("customer_id"))
    )


timeline_scope_rule = contact_scope_rule
