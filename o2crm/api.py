"""The JSON API under /api/v1/: one NinjaAPI, one router per app.

Authentication: a bearer token (POST /api/v1/auth/token) or the browser session (with CSRF).
Errors: 400 with {"detail": "...", "errors": {"<field>": ["<message>", ...]}}, messages in the
request's language; 404 for rows the caller may not see; 409 for a stale edit.
"""

from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, django_auth

from accounts.middleware import refuses_write
from accounts.models import ApiToken
from accounts.services import token_user
from hospitals.api import router as hospitals_router
from imports.api import router as imports_router
from o2crm.records import EditConflict
from pipeline.api import router as pipeline_router
from placements.api import router as placements_router
from proposals.api import router as proposals_router
from relations.api import router as relations_router
from reminders.api import router as reminders_router
from reports.api import router as reports_router
from visits.api import router as visits_router


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = token_user(token)
        if user is not None:
            request.user = user  # so visibility rules and history see who acted
            if refuses_write(user, request.method or "", request.path):
                raise PermissionDenied  # the auditor: reads only
        return user


class SchemaOnceAPI(NinjaAPI):
    """The OpenAPI schema depends on nothing a request brings but its language: built once per
    language instead of on every request (building it was the slowest API answer)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        key = (path_prefix, tuple(sorted((path_params or {}).items())), get_language())
        schemas = self.__dict__.setdefault("_schemas", {})
        if key not in schemas:
            schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
            schemas[key] = with_error_answers(schema)
        return schemas[key]


ERROR_SCHEMAS = {
    "Error": {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "BadRequest": {
        "type": "object",
        "properties": {
            "detail": {"type": "string", "description": "the first field and its message"},
            "errors": {
                "type": "object",
                "description": "messages by field, in the request's language",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
        },
        "required": ["detail", "errors"],
    },
    "Conflict": {
        "type": "object",
        "properties": {
            "detail": {"type": "string", "description": "who saved the record meanwhile"},
            "current_version": {"type": "integer"},
        },
        "required": ["detail", "current_version"],
    },
}
WRITES = {"post", "put", "patch", "delete"}


def with_error_answers(schema: dict) -> dict:
    """Every operation's error answers, with their JSON shapes: 400 (bad input, by field), 401
    and 404 (a row named in the path, body or query that the caller may not see) everywhere;
    403 on writes (the role's permission); 409 on edits of versioned rows."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(ERROR_SCHEMAS)

    def answer(text: str, shape: str) -> dict:
        ref = {"$ref": f"#/components/schemas/{shape}"}
        return {"description": text, "content": {"application/json": {"schema": ref}}}

    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in WRITES | {"get"}:
                continue
            responses = operation.setdefault("responses", {})
            errors = {
                "400": answer(
                    "Bad input: the fields and why, in the request's language", "BadRequest"
                ),
                "401": answer("No valid token or session", "Error"),
            }
            if method in WRITES:
                errors["403"] = answer("The role may not do this", "Error")
            # a path, a body or a query (?user=, ?project=) may name a row the caller may not see
            errors["404"] = answer("No such row among those the caller may see", "Error")
            if method in {"patch", "put"} or (method == "post" and "{" in path):
                errors["409"] = answer("The row changed since the version sent", "Conflict")
            for status, body in errors.items():
                responses.setdefault(status, body)
    return schema


api = SchemaOnceAPI(
    title="o2crm API",
    version="1",
    description=__doc__,
    urls_namespace="api",
    auth=[TokenAuth(), django_auth],
)

# pydantic error types -> a message in the request's language
_TYPE_MESSAGES = {
    "missing": lambda: _("这个字段是必填项。"),
    "int_parsing": lambda: _("请输入整数。"),
    "int_type": lambda: _("请输入整数。"),
    "int_from_float": lambda: _("请输入整数。"),
    "float_parsing": lambda: _("请输入数字。"),
    "decimal_parsing": lambda: _("请输入数字。"),
    "string_type": lambda: _("请输入文本。"),
    "bool_parsing": lambda: _("请输入 true 或 false。"),
    "bool_type": lambda: _("请输入 true 或 false。"),
    "date_from_datetime_parsing": lambda: _("请输入有效日期（YYYY-MM-DD）。"),
    "date_parsing": lambda: _("请输入有效日期（YYYY-MM-DD）。"),
    "date_type": lambda: _("请输入有效日期（YYYY-MM-DD）。"),
    "list_type": lambda: _("请提供一个列表。"),
    "greater_than_equal": lambda: _("数值太小。"),
    "less_than_equal": lambda: _("数值太大。"),
    "string_too_long": lambda: _("内容太长。"),
    "json_invalid": lambda: _("请求体不是有效的 JSON。"),
    "model_attributes_type": lambda: _("请求体应为 JSON 对象。"),
    "dict_type": lambda: _("请提供一个 JSON 对象。"),
}
_LOCATIONS = {"body", "query", "path", "payload", "data", "filters", "pagination", "header"}


def _bad_request(request, errors: dict[str, list[str]]):
    """400 with every message by field; `detail` names the first field and its message."""
    field, messages = next(iter(errors.items()))
    detail = messages[0] if field == "__all__" else f"{field}: {messages[0]}"
    return api.create_response(request, {"detail": detail, "errors": errors}, status=400)


@api.exception_handler(NinjaValidationError)
def on_schema_error(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", ()) if str(p) not in _LOCATIONS]
        # a restricted contact field sent inside "personal" is reported under its own name
        field = (loc[-1] if loc[:1] == ["personal"] else ".".join(loc)) or "__all__"
        message = _TYPE_MESSAGES.get(error.get("type", ""), lambda e=error: e.get("msg", ""))()
        errors.setdefault(field, []).append(message)
    return _bad_request(request, errors)


@api.exception_handler(DjangoValidationError)
def on_validation_error(request, exc: DjangoValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _bad_request(request, {k: [str(m) for m in v] for k, v in errors.items()})


@api.exception_handler(EditConflict)
def on_conflict(request, exc: EditConflict):
    return api.create_response(
        request,
        {"detail": exc.message, "current_version": exc.current.version},
        status=409,
    )


@api.exception_handler(PermissionError)
@api.exception_handler(PermissionDenied)
def on_forbidden(request, exc):
    return api.create_response(request, {"detail": _("您没有权限执行此操作。")}, status=403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": _("请先登录或提供有效的 API 令牌。")}, status=401
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    if exc.status_code == 400:  # django-ninja's own: a body it cannot read
        unreadable = str(exc).startswith("Cannot parse request body")
        message = _("请求体不是有效的 JSON。") if unreadable else str(exc)
        return _bad_request(request, {"__all__": [message]})
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


class Credentials(Schema):
    username: str = Field(pattern=r"^[^\x00]*$")  # no NUL: PostgreSQL cannot compare it
    password: str


class TokenOut(Schema):
    token: str


class ErrorOut(Schema):
    detail: str


@api.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    tags=["auth"],
    summary="Exchange a username and password for a bearer token",
)
def create_token(request: HttpRequest, credentials: Credentials):
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None or not user.is_active:
        return Status(401, {"detail": _("用户名或密码不正确。")})
    if user.must_change_password:  # a temporary password opens the password page alone
        return Status(403, {"detail": _("请先登录网页设置您自己的密码，再申请令牌。")})
    return Status(200, {"token": ApiToken.issue(user)})


api.add_router("/", hospitals_router)
api.add_router("/", pipeline_router)
api.add_router("/", visits_router)
api.add_router("/", proposals_router)
api.add_router("/", reports_router)
api.add_router("/", reminders_router)
api.add_router("/", imports_router)
api.add_router("/", relations_router)
api.add_router("/", placements_router)
