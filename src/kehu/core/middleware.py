from django.core.exceptions import PermissionDenied
from django.http import Http404

from .errors import Forbidden, NotFound


class ServiceErrorMiddleware:
    """In the UI, a service's NotFound is a 404 page and Forbidden a 403 page.

    (The API has its own handlers that answer with JSON.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(str(exception.message)) from exception
        if isinstance(exception, Forbidden):
            raise PermissionDenied(str(exception.message)) from exception
        return None
