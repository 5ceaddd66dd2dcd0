"""Products, categories and opportunity stages."""

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.core import audit
from kehu.core.errors import Forbidden, ValidationFailed

from ..models import Product, ProductCategory, Stage
from ._common import money, text

MANAGE_PRODUCTS = "manage_products"


def _require(actor, capability: str) -> None:
    if actor is not None and not actor.can(capability):
        raise Forbidden()


def ensure_stages(**kwargs) -> None:
    """Create the built-in stages once (post_migrate); later edits by people are kept."""
    for code, (name, order, probability, won, lost) in Stage.BUILTIN.items():
        Stage.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "order": order,
                "probability": probability,
                "is_won": won,
                "is_lost": lost,
            },
        )


@transaction.atomic
def save_category(actor, data: dict, category: ProductCategory | None = None) -> ProductCategory:
    _require(actor, MANAGE_PRODUCTS)
    name = text(data, "name", 100, required=True)
    parent_id = data.get("parent") or None
    parent = None
    if parent_id:
        parent = ProductCategory.objects.filter(pk=parent_id).first()
        if parent is None:
            raise ValidationFailed(fields={"parent": [_("No such category.")]})
        if category is not None and category.pk in parent.ancestor_ids():
            raise ValidationFailed(fields={"parent": [_("A category cannot sit inside itself.")]})
    if (
        ProductCategory.objects.filter(parent=parent, name=name)
        .exclude(pk=getattr(category, "pk", None))
        .exists()
    ):
        raise ValidationFailed(fields={"name": [_("This category already exists here.")]})
    category = category or ProductCategory()
    category.name, category.parent = name, parent
    category.sort = int(data.get("sort") or 0)
    category.save()
    return category


def category_tree() -> list[tuple[ProductCategory, int]]:
    """All categories in tree order with their depth."""
    children: dict[int | None, list[ProductCategory]] = {}
    for c in ProductCategory.objects.all():
        children.setdefault(c.parent_id, []).append(c)
    out, todo = [], [(c, 0) for c in reversed(children.get(None, []))]
    while todo:
        node, depth = todo.pop()
        out.append((node, depth))
        todo.extend((c, depth + 1) for c in reversed(children.get(node.pk, [])))
    return out


@transaction.atomic
def save_product(actor, data: dict, product: Product | None = None) -> Product:
    _require(actor, MANAGE_PRODUCTS)
    before = audit.snapshot(product) if product else {}
    code = text(data, "code", 40, required=True)
    values = {
        "code": code,
        "name": text(data, "name", 200, required=True),
        "unit": text(data, "unit", 16),
        "price": money(data.get("price"), "price"),
        "description": text(data, "description", 5000),
        "active": bool(data.get("active", True)),
    }
    if Product.objects.filter(code=code).exclude(pk=getattr(product, "pk", None)).exists():
        raise ValidationFailed(fields={"code": [_("Another product has this code.")]})
    category_id = data.get("category") or None
    values["category"] = None
    if category_id:
        values["category"] = ProductCategory.objects.filter(pk=category_id).first()
        if values["category"] is None:
            raise ValidationFailed(fields={"category": [_("No such category.")]})
    product = product or Product()
    for field, value in values.items():
        setattr(product, field, value)
    product.save()
    audit.record(
        actor, product, "update" if before else "create", audit.diff(before, audit.snapshot(product))
    )
    return product


@transaction.atomic
def save_stage(actor, data: dict, stage: Stage | None = None) -> Stage:
    _require(actor, "manage_sales_settings")
    stage = stage or Stage()
    stage.name = text(data, "name", 60, required=True)
    probability = data.get("probability", stage.probability or 0)
    if not isinstance(probability, int) or not 0 <= probability <= 100:
        raise ValidationFailed(fields={"probability": [_("Between 0 and 100.")]})
    stage.probability = probability
    stage.order = int(data.get("order", stage.order or 0))
    stage.is_won = bool(data.get("is_won", stage.is_won))
    stage.is_lost = bool(data.get("is_lost", stage.is_lost))
    if stage.is_won and stage.is_lost:
        raise ValidationFailed(fields={"is_lost": [_("A stage cannot be both won and lost.")]})
    stage.active = bool(data.get("active", stage.active if stage.pk else True))
    stage.save()
    return stage
