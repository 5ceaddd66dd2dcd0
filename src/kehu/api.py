"""The REST API: one NinjaAPI under /api/v1/, one router per domain.

Authentication is an API token (``Authorization: Bearer kehu_…``) or the UI's session
(with CSRF). Every error is JSON: ``{"code", "message", "fields"?}``.
"""

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from kehu.accounts.services import authenticate_token
from kehu.core.errors import ServiceError

log = logging.getLogger(__name__)
_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file"}


class TokenAuth(HttpBearer):
    openapi_description = "API token from POST /api/v1/auth/token or `kehu token USERNAME`."

    def authenticate(self, request, token):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="Kehu API",
    version="1",
    description="Kehu CRM REST API. Errors are JSON objects with a machine-readable `code`, "
    "a `message`, and `fields` (field name → messages) for validation errors.",
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth(csrf=True)],
    docs_url="/docs",
)


def error_response(request, status: int, code: str, message: str, fields: dict | None = None, **extra):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return api.create_response(request, body, status=status)


def _field_name(loc: list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        location, parts = parts[0], parts[1:]
        # A body schema parameter is named in loc ("payload"); the field follows it.
        if location == "body" and len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts) or "__all__"


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc", [])), []).append(str(error.get("msg", "invalid")))
    return error_response(request, 422, "validation_error", _("Some fields are not valid."), fields)


@api.exception_handler(ServiceError)
def on_service_error(request, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return error_response(request, 401, "unauthenticated", _("Sign in or send a valid API token."))


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    codes = {
        400: "bad_request",
        401: "unauthenticated",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        429: "rate_limited",
    }
    return error_response(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, "not_found", _("Not found, or not visible to you."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return error_response(request, 403, "forbidden", str(exc) or _("You do not have permission to do this."))


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    log.exception("Unhandled API error on %s %s", request.method, request.path)
    detail = str(exc) if settings.DEBUG else _("An unexpected error occurred; it has been logged.")
    return error_response(request, 500, "server_error", detail)


# Each domain's router is mounted at the API root; its paths name their own resources.
DOMAIN_ROUTERS = (
    "accounts",
    "customers",
    "leads",
    "dedup",
    "pool",
    "assignment",
    "sales",
    "activities",
    "messaging",
    "analytics",
)


def _register_routers():
    from importlib import import_module

    from kehu.accounts.api import token_router

    api.add_router("/auth", token_router)
    for app in DOMAIN_ROUTERS:
        api.add_router("/", import_module(f"kehu.{app}.api").router)


_register_routers()
