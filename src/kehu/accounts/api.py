from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from kehu.core.schemas import ErrorOut, Id, Text

from . import services
from .models import ApiToken, Department, User

ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
token_router = Router(tags=["auth"])
router = Router(tags=["organisation"])


class Credentials(Schema):
    username: Text = Field(..., min_length=1, max_length=150)
    password: Text = Field(..., min_length=1, max_length=256)
    name: Text = Field("", max_length=100, description="A label for the token, e.g. the script using it.")


class TokenOut(Schema):
    token: str
    user_id: int
    username: str


@token_router.post("/token", auth=None, response={201: TokenOut, **ERRORS})
def create_token(request, payload: Credentials):
    """Exchange a username and password for an API token (shown once; store it safely)."""
    user = services.login(request, payload.username, payload.password)
    raw = services.issue_token(user, payload.name or _("API token"))
    return Status(201, {"token": raw, "user_id": user.pk, "username": user.username})


class TokenInfo(Schema):
    id: int
    name: str
    hint: str
    created_at: str
    last_used_at: str | None
    revoked: bool

    @staticmethod
    def resolve_revoked(obj):
        return obj.revoked_at is not None

    @staticmethod
    def resolve_created_at(obj):
        return obj.created_at.isoformat()

    @staticmethod
    def resolve_last_used_at(obj):
        return obj.last_used_at.isoformat() if obj.last_used_at else None


@token_router.get("/tokens", response={200: list[TokenInfo], **ERRORS})
def list_tokens(request):
    return list(ApiToken.objects.filter(user=request.user))


@token_router.delete("/tokens/{token_id}", response={204: None, **ERRORS})
def revoke_token(request, token_id: Id):
    services.revoke_token(request.user, token_id)
    return Status(204, None)


class UserOut(Schema):
    id: int
    username: str
    name: str
    department: str | None
    role: str | None
    on_leave: bool

    @staticmethod
    def resolve_name(obj):
        return str(obj)

    @staticmethod
    def resolve_department(obj):
        return obj.department.name if obj.department_id else None

    @staticmethod
    def resolve_role(obj):
        return obj.role.code if obj.role_id else None


class MeOut(UserOut):
    scope: str
    capabilities: list[str]
    language: str

    @staticmethod
    def resolve_capabilities(obj):
        from .capabilities import CAPABILITIES

        return [code for code in CAPABILITIES if obj.can(code)]


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request):
    return request.user


@router.get("/users", response={200: list[UserOut], **ERRORS})
def list_users(request, q: Text = Query("", max_length=100)):
    """The company directory (names and departments), for pickers."""
    qs = User.objects.filter(is_active=True).select_related("department", "role")
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(username__icontains=q)
    return list(qs[:500])


class DepartmentOut(Schema):
    id: int
    name: str
    parent_id: int | None
    manager_id: int | None


@router.get("/departments", response={200: list[DepartmentOut], **ERRORS})
def list_departments(request):
    return list(Department.objects.all())
