from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .models import ApiToken


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
        messages.success(self.request, _("密码已修改。"))
        return super().form_valid(form)


@require_GET
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    tokens = request.user.api_tokens.order_by("-created_at")[:10]
    return render(request, "accounts/profile.html", {"tokens": tokens})


@require_POST
@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    key = ApiToken.issue(request.user)
    tokens = request.user.api_tokens.order_by("-created_at")[:10]
    return render(request, "accounts/profile.html", {"tokens": tokens, "new_token": key})


@require_POST
@login_required
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    request.user.api_tokens.filter(pk=pk).delete()
    messages.success(request, _("令牌已作废。"))
    return redirect("accounts:profile")
