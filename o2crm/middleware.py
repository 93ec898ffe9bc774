"""Input no database stores, refused before any view sees it: a NUL character in a query
string parameter (PostgreSQL cannot take one in a string; forms refuse it field by field, but
search boxes and API filters read the query directly). 400 naming the parameter."""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import render
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
