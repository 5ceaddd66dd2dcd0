"""Rendering an API body that is already in its documented shape.

Ninja validates a view's return value against the response schema and dumps it again; for
a list page of plain dicts built to match the schema field for field, that second pass costs
more than the SQL. ``api_json`` renders such a body exactly as Ninja's renderer does (same
encoder, same content type), while the operation keeps its response schema in the OpenAPI
document. Tests of each such endpoint validate the body against the schema.
"""

import json

from django.http import HttpResponse
from ninja.renderers import JSONRenderer

_RENDERER = JSONRenderer()
CONTENT_TYPE = f"{_RENDERER.media_type}; charset={_RENDERER.charset}"


def api_json(data, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(data, cls=_RENDERER.encoder_class, **_RENDERER.json_dumps_params),
        status=status,
        content_type=CONTENT_TYPE,
    )
