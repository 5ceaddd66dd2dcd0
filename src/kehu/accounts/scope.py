"""The data-scope layer: the one place that decides which records a user may see.

Every list, detail, search, export and API read starts from ``scoped(user, model)``.
A model registers how its rows relate to users with ``register``; the rule receives the
ids of the users whose records the viewer may see (``None`` means everyone's).
"""

import time
from collections.abc import Callable

from django.db import models
from django.db.models import Q

from kehu.core.errors import NotFound

from .models import Department, Scope, User

# rule(user, visible_user_ids | None) -> Q | None   (None = no restriction)
Rule = Callable[[User, frozenset[int] | None], Q | None]
_rules: dict[type[models.Model], Rule] = {}
_scoped: dict = {}  # see scoped()
_extensions: dict[type[models.Model], list[Rule]] = {}
NOTHING = Q(pk__in=[])


def register(model: type[models.Model], rule: Rule | None = None, *, owner_field: str = "owner"):
    """Declare how ``model`` is scoped; by default through its ``owner`` foreign key."""

    def by_owner(user, ids):
        return None if ids is None else Q(**{f"{owner_field}_id__in": ids})

    _rules[model] = rule or by_owner
    _scoped.clear()


def extend(model: type[models.Model], rule: Rule) -> None:
    """Let another domain widen what users see of ``model`` (e.g. leads in a pool they may see).

    Extensions are OR-ed with the model's own rule; they can only add visibility.
    """
    rules = _extensions.setdefault(model, [])
    if rule not in rules:
        rules.append(rule)
    _scoped.clear()


# The department tree and who belongs to each part of it, kept per process for a few seconds
# (every scoped read of a manager needs them). Saving or deleting a department or a person
# clears them at once in this process (signals in apps.py); other processes follow within
# TREE_SECONDS.
TREE_SECONDS = 5.0
_tree: dict = {"at": 0.0, "children": None}
_members: dict[int, tuple[float, frozenset[int]]] = {}  # department -> (at, its subtree's people)


def forget_departments(**kwargs) -> None:
    _tree["children"] = None
    _members.clear()
    _scoped.clear()


def _department_members(department_id: int) -> frozenset[int]:
    now = time.monotonic()
    hit = _members.get(department_id)
    if hit is None or now - hit[0] > TREE_SECONDS:
        ids = frozenset(
            User.objects.filter(department_id__in=department_subtree(department_id))
            .order_by()
            .values_list("pk", flat=True)
        )
        hit = _members[department_id] = (now, ids)
    return hit[1]


def _department_children() -> dict[int | None, list[int]]:
    now = time.monotonic()
    if _tree["children"] is None or now - _tree["at"] > TREE_SECONDS:
        children: dict[int | None, list[int]] = {}
        for pk, parent in Department.objects.values_list("pk", "parent_id"):
            children.setdefault(parent, []).append(pk)
        _tree.update(at=now, children=children)
    return _tree["children"]


def department_subtree(department_id: int) -> set[int]:
    children = _department_children()
    found, todo = set(), [department_id]
    while todo:
        pk = todo.pop()
        if pk not in found:
            found.add(pk)
            todo.extend(children.get(pk, []))
    return found


def visible_user_ids(user: User) -> frozenset[int] | None:
    """Ids of the users whose records ``user`` may see; None when unrestricted.

    Cached on the user object, which lives for one request or one task.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_kehu_visible_ids", False)
    if cached is not False:
        return cached
    scope = user.scope
    if scope == Scope.ALL:
        ids = None
    elif scope == Scope.DEPARTMENT and user.department_id:
        ids = _department_members(user.department_id) | {user.pk}
    elif scope == Scope.TEAM:
        ids = frozenset(
            User.objects.filter(Q(teams__members=user) | Q(teams__leader=user))
            .order_by()
            .values_list("pk", flat=True)
        ) | {user.pk}
    else:
        ids = frozenset({user.pk})
    user._kehu_visible_ids = ids
    return ids


def scope_filter(user: User, model: type[models.Model]) -> Q | None:
    rule = _rules.get(model)
    if rule is None:
        raise LookupError(f"{model.__name__} has no data-scope rule; register one in kehu.accounts.scope")
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    ids = visible_user_ids(user)
    condition = rule(user, ids)
    if condition is None:
        return None
    for extension in _extensions.get(model, ()):
        extra = extension(user, ids)
        if extra is None:
            return None
        condition |= extra
    return condition


# A model's scoped queryset for one viewer, resolved once and reused for SCOPED_SECONDS:
# building the condition (owner list, collaborator and pool subqueries) cost as much Python as
# the page query itself, on every list request. The key holds the viewer as read for this
# request (their role and department) and the ids of the people they may see; a change to
# what the condition is made of (people, roles, teams, departments, pools, display rules)
# clears these copies through ``forget_scopes`` at once in this process, and they expire
# within SCOPED_SECONDS in the others, the same few seconds the department tree and the
# pool table already allow.
SCOPED_SECONDS = 5.0
MAX_SCOPED = 5000


def forget_scopes(**kwargs) -> None:
    _scoped.clear()


def scoped(user: User, model_or_queryset) -> models.QuerySet:
    """The records of a model (or a narrower queryset) that ``user`` may see."""
    if isinstance(model_or_queryset, models.QuerySet):
        qs = model_or_queryset
        condition = scope_filter(user, qs.model)
        return qs if condition is None else qs.filter(condition)
    model = model_or_queryset
    qs = model.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.filter(scope_filter(user, model))
    key = (model, user.pk, user.is_superuser, user.role_id, user.department_id, visible_user_ids(user))
    now = time.monotonic()
    hit = _scoped.get(key)
    if hit is not None and now - hit[0] <= SCOPED_SECONDS:
        qs.query = hit[1].chain()
        return qs
    condition = scope_filter(user, model)
    if condition is not None:
        qs = qs.filter(condition)
    if len(_scoped) >= MAX_SCOPED:
        _scoped.clear()
    _scoped[key] = (now, qs.query.chain())
    return qs


def get_scoped(user: User, model_or_queryset, **lookup) -> models.Model:
    """One visible record, or NotFound — the same answer whether it is missing or hidden."""
    try:
        return scoped(user, model_or_queryset).get(**lookup)
    except (models.ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_see_user(viewer: User, other_id: int) -> bool:
    ids = visible_user_ids(viewer)
    return ids is None or other_id in ids
