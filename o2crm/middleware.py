"""Two rules for every request: input no database stores is refused before any view sees it
(a NUL character in a query string parameter: PostgreSQL cannot take one in a string; forms
refuse it field by field, but search boxes and API filters read the query directly; 400
naming the parameter); and what a signed-in user is shown is kept by no cache on the way."""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

NUL = "\x00"


def refuse_nul_in_query(get_response):
    def middleware(request: HttpRequest):
        for name, values in request.GET.lists():
            if NUL in name or any(NUL in value for value in values):
                shown = name.replace(NUL, "")
                message = _("参数 %(name)s 含有空字符（NUL），请删去后再试。") % {"name": shown}
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": message, "errors": {shown: [message]}}, status=400
                    )
                return render(request, "400.html", {"message": message}, status=400)
        return get_response(request)

    return middleware


def private_answers(get_response):
    """Pages, exports and API answers for a signed-in user (session or token) carry their
    data: `Cache-Control: private, no-store`, so no shared cache or back button keeps them."""

    def middleware(request: HttpRequest):
        response = get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response

    return middleware
