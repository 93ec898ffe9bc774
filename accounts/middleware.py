"""A user given a temporary password (a new account, a reset) changes it before anything else."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# what stays open meanwhile: the change itself, logging out, the language, files
OPEN = ("/accounts/password/", "/accounts/logout/", "/i18n/", "/static/", "/favicon.ico")


def password_change_required(get_response):
    def middleware(request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.must_change_password
            and not request.path.startswith(OPEN)
            and not request.path.startswith("/api/")
        ):
            messages.info(request, _("请先设置您自己的密码（管理员给的是临时密码）。"))
            return redirect(reverse("accounts:password-change"))
        return get_response(request)

    return middleware
