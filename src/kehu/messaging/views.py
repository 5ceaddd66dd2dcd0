from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kehu.accounts.scope import get_scoped, scoped

from . import services
from .models import Notification


@login_required
def inbox(request):
    qs = scoped(request.user, Notification)
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    items = [(n, services.describe(n)) for n in page.object_list]
    return render(
        request,
        "messaging/inbox.html",
        {"page": page, "items": items, "unread_only": bool(request.GET.get("unread"))},
    )


@login_required
@require_POST
def open_notification(request, pk: int):
    notification = get_scoped(request.user, Notification, pk=pk)
    services.mark_read(request.user, [notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("messaging:inbox")


@login_required
@require_POST
def read_all(request):
    services.mark_read(request.user)
    return redirect("messaging:inbox")
