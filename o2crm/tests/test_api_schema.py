"""The API as a whole: its OpenAPI schema, its documented error answers, its docs page."""

import ninja.main
import pytest
from django.test import Client

from o2crm.api import api

pytestmark = [pytest.mark.django_db, pytest.mark.timeless]


def test_the_openapi_schema_builds(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in (
        "/api/v1/hospitals",
        "/api/v1/hospitals/{hospital_id}",
        "/api/v1/departments",
        "/api/v1/contacts",
        "/api/v1/auth/token",
    ):
        assert path in schema["paths"], path


def test_the_openapi_schema_is_built_once_per_language(db, monkeypatch):
    built = []
    real = ninja.main.get_schema
    monkeypatch.setattr(ninja.main, "get_schema", lambda **kw: built.append(1) or real(**kw))
    monkeypatch.setattr(api, "_schemas", {}, raising=False)
    first = Client().get("/api/v1/openapi.json", headers={"accept-language": "en"})
    again = Client().get("/api/v1/openapi.json", headers={"accept-language": "en"})
    assert first.content == again.content and len(built) == 1
    Client().get("/api/v1/openapi.json", headers={"accept-language": "zh-hans"})
    assert len(built) == 2


def test_the_interactive_docs_are_served_without_a_cdn(db):
    body = Client().get("/api/v1/docs").content.decode()
    assert "swagger" in body.lower()
    assert "cdn.jsdelivr" not in body


def test_the_schema_documents_every_operations_error_answers(db):
    schema = Client().get("/api/v1/openapi.json").json()
    shapes = schema["components"]["schemas"]
    assert set(shapes["BadRequest"]["required"]) == {"detail", "errors"}
    assert "current_version" in shapes["Conflict"]["properties"]
    operations = [
        (path, method, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 40
    for path, method, op in operations:
        codes = set(op["responses"])
        assert {"400", "401"} <= codes, (method, path)
        if method != "get":
            assert {"403", "404"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        if method in {"patch", "put"}:
            assert "409" in codes, (method, path)
    ref = schema["paths"]["/api/v1/hospitals/{hospital_id}"]["patch"]["responses"]["409"]
    assert ref["content"]["application/json"]["schema"]["$ref"].endswith("/Conflict")
