"""A user given a temporary password (a new account, a reset) changes it before anything else."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
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


# what a read-only role may still post: its own password, API tokens and session, the language,
# its own background exports (an auditor exports the compliance ledger)
READ_ONLY_OPEN = ("/accounts/", "/i18n/", "/exports/", "/notifications/", "/api/v1/auth/")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def refuses_write(user, method: str, path: str) -> bool:
    """Whether a read-only user (the auditor) is refused this request: any write outside the
    few that concern only themselves. The API's token authentication asks the same."""
    return (
        getattr(user, "read_only", False)
        and method not in SAFE_METHODS
        and not path.startswith(READ_ONLY_OPEN)
    )


def read_only(get_response):
    """The auditor reads everything and changes nothing: every write of a page or of the API
    through the session is refused here, whatever the view checks (403, in the user's
    language); the API's bearer tokens ask `refuses_write` in o2crm/api.py."""

    def middleware(request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and refuses_write(user, request.method, request.path)
        ):
            message = _("审计员为只读角色，不能修改数据。")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=403)
            return render(request, "403.html", {"message": message}, status=403)
        return get_response(request)

    return middleware
