from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import services
from .models import ApiToken, User


def locked_out(request: HttpRequest, credentials: dict | None = None, *args, **kwargs):
    """What django-axes answers once a username has failed too often from one address."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {"detail": _("登录失败次数过多，账户已暂时锁定，请 15 分钟后再试或联系管理员。")},
            status=429,
        )
    return render(request, "accounts/locked_out.html", status=429)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.request.user.must_change_password:  # the temporary one is replaced
            User.objects.filter(pk=self.request.user.pk).update(must_change_password=False)
        # they stopped holding with the old password; gone from the list as well
        revoked = services.revoke_tokens(self.request.user)
        if revoked:
            messages.success(self.request, _("密码已修改，原有的 API 令牌已作废。"))
        else:
            messages.success(self.request, _("密码已修改。"))
        return response


def _tokens(user) -> list[ApiToken]:
    """The user's tokens that still open the API, newest first."""
    now = timezone.now()
    rows = user.api_tokens.select_related("user").order_by("-created_at")[:20]
    return [t for t in rows if t.holds(now)][:10]


@require_GET
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/profile.html", {"tokens": _tokens(request.user)})


@require_POST
@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    key = ApiToken.issue(request.user)
    ctx = {"tokens": _tokens(request.user), "new_token": key}
    return render(request, "accounts/profile.html", ctx)


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    services.revoke_token(get_object_or_404(request.user.api_tokens, pk=pk))  # only your own
    messages.success(request, _("令牌已作废。"))
    return redirect("accounts:profile")
