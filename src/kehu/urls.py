from django.http import JsonResponse
from django.urls import include, path
from django.views.generic import RedirectView

from kehu.api import api
from kehu.core import views as core_views
from kehu.core.admin_site import discover as discover_settings

urlpatterns = [
    path("", core_views.home, name="home"),
    path("api/v1/", api.urls),
    path("api/<path:rest>", core_views.api_not_found),
    path("accounts/", include("kehu.accounts.urls")),
    path("customers/", include("kehu.customers.urls")),
    path("leads/", include("kehu.leads.urls")),
    path("dedup/", include("kehu.dedup.urls")),
    path("pool/", include("kehu.pool.urls")),
    path("assignment/", include("kehu.assignment.urls")),
    path("sales/", include("kehu.sales.urls")),
    path("activities/", include("kehu.activities.urls")),
    path("messaging/", include("kehu.messaging.urls")),
    path("analytics/", include("kehu.analytics.urls")),
    path("settings/", discover_settings().urls),
    path("healthz", core_views.healthz, name="healthz"),
    path("favicon.ico", RedirectView.as_view(url="/static/kehu/favicon.svg", permanent=True)),
]


def _json_or_page(status, code, message, page_view):
    def handler(request, exception=None):
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "message": message}, status=status)
        return page_view(request, status)

    return handler


handler400 = _json_or_page(400, "bad_request", "Bad request.", core_views.error_page)
handler403 = _json_or_page(403, "forbidden", "You do not have permission to do this.", core_views.error_page)
handler404 = _json_or_page(404, "not_found", "Not found.", core_views.error_page)
handler500 = _json_or_page(
    500, "server_error", "An unexpected error occurred; it has been logged.", core_views.error_page
)
