from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.core.errors import ServiceError

from . import services
from .models import ApiToken


class LoginForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        max_length=256,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def login_view(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login(request, form.cleaned_data["username"], form.cleaned_data["password"])
        except ServiceError as exc:
            form.add_error(None, str(exc.message))
            status = exc.status
        else:
            login(request, user)
            return redirect(_safe_next(request))
    return render(
        request, "accounts/login.html", {"form": form, "next": _safe_next(request, "")}, status=status
    )


@require_POST
def logout_view(request):
    logout(request)
    return redirect("accounts:login")


@require_POST
def set_language(request):
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if request.user.is_authenticated:
        request.user.language = language
        request.user.save(update_fields=["language"])
    translation.activate(language)
    response = redirect(_safe_next(request))
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    return response


@login_required
def profile(request):
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "accounts/profile.html",
        {"tokens": tokens, "new_token": request.session.pop("kehu_new_token", None)},
    )


@login_required
@require_POST
def create_token(request):
    name = (request.POST.get("name") or "").strip()[:100] or _("API token")
    request.session["kehu_new_token"] = services.issue_token(request.user, name)
    messages.success(request, _("Token created. Copy it now: it will not be shown again."))
    return redirect("accounts:profile")


@login_required
@require_POST
def revoke_token(request, token_id: int):
    services.revoke_token(request.user, token_id)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:profile")
