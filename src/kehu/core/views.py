from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .models import WorkerHeartbeat


@login_required
def home(request):
    return redirect("customers:list")


def healthz(request):
    """Liveness for load balancers: the database answers; when the task worker was last seen."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    last = WorkerHeartbeat.objects.order_by("-seen_at").first()
    return JsonResponse(
        {
            "status": "ok",
            "database": connection.vendor,
            "worker_seen_at": last.seen_at.isoformat() if last else None,
        }
    )


def api_not_found(request, rest=""):
    return JsonResponse({"code": "not_found", "message": _("No such API endpoint.")}, status=404)


def error_page(request, status: int):
    titles = {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Page not found"),
        500: _("Something went wrong"),
    }
    messages = {
        400: _("The request could not be understood."),
        403: _("You do not have permission to see this page."),
        404: _("The page does not exist, or the record is not visible to you."),
        500: _("The error has been logged. Please try again in a moment."),
    }
    return render(
        request,
        "error.html",
        {"status": status, "title": titles.get(status, status), "message": messages.get(status, "")},
        status=status,
    )
