"""Errors raised by domain services and turned into answers by the API and the UI.

Every error has a stable ``code`` (for programs) and a ``message`` (for people);
validation errors also carry ``fields``: {field name: [messages]}.
"""

from django.utils.translation import gettext_lazy as _


class ServiceError(Exception):
    status = 400
    code = "bad_request"
    default_message = _("The request cannot be processed.")

    def __init__(self, message=None, *, code: str | None = None, fields: dict | None = None, **extra):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = {
            k: [str(m) for m in (v if isinstance(v, list | tuple) else [v])]
            for k, v in (fields or {}).items()
        }
        self.extra = extra
        super().__init__(str(self.message))

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": str(self.message)}
        if self.fields:
            body["fields"] = self.fields
        body.update({k: v for k, v in self.extra.items() if v is not None})
        return body


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_error"
    default_message = _("Some fields are not valid.")


class NotFound(ServiceError):
    status = 404
    code = "not_found"
    default_message = _("Not found, or not visible to you.")


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"
    default_message = _("You do not have permission to do this.")


class Conflict(ServiceError):
    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state of the record.")


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"
    default_message = _("Too many attempts. Please wait and try again.")
