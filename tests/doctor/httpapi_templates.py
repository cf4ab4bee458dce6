"""The templates of tests/fixtures/doctor_httpapi/*, shaped as Serverless v3.40 compiles their
`httpApi` events (tests.gateway.httpapi.support.HttpTemplate), for `serve --template` until
`corsway serve SERVICE` compiles HTTP APIs itself."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.gateway.httpapi.support import DEFAULT_HEADERS, HttpTemplate
from tests.gateway.support import FIXTURES

HTTPAPI_DEFECTS = FIXTURES / "doctor_httpapi"
EVERY_METHOD = ["OPTIONS", "GET", "POST", "PUT", "PATCH", "HEAD", "DELETE"]
AUTHORIZATION = ["$request.header.Authorization"]


def nocors() -> HttpTemplate:
    return (
        HttpTemplate(service="doctor-http-nocors")
        .function("authorize", "handler.authorize")
        .function("items", "handler.without_cors")
        .function("orders", "handler.with_cors")
        .function("profile", "handler.with_cors")
        .function("crash", "handler.crash")
        .function("open", "handler.with_cors")
        .lambda_authorizer("tokenAuth", "authorize", sources=AUTHORIZATION, simple=True)
        .route("GET /items", "items")
        .route("PUT /orders", "orders")
        .route("GET /profile", "profile", authorizer="tokenAuth")
        .route("GET /crash", "crash")
        .route("GET /open", "open")
    )


def cors() -> HttpTemplate:
    configuration = {
        "AllowOrigins": ["http://localhost:5173"],
        "AllowHeaders": ["Content-Type"],
        "AllowMethods": ["GET", "POST"],
    }
    return (
        HttpTemplate(service="doctor-http-cors", cors=configuration)
        .function("items", "handler.without_cors")
        .route("GET /items", "items")
        .route("PUT /items", "items")
    )


def catchall(*, options_route: bool = False) -> HttpTemplate:
    configuration = {
        "AllowHeaders": DEFAULT_HEADERS,
        "AllowMethods": EVERY_METHOD,
        "AllowOrigins": ["*"],
    }
    template = (
        HttpTemplate(service="doctor-http-catchall", cors=configuration)
        .function("authorize", "handler.authorize")
        .function("app", "handler.without_cors")
        .lambda_authorizer("tokenAuth", "authorize", sources=AUTHORIZATION, simple=True)
        .route("$default", "app", authorizer="tokenAuth")
    )
    return template.route("OPTIONS /{proxy+}", "app") if options_route else template


def write_template(template: HttpTemplate, directory: Path) -> Path:
    """The template as `serverless package` would leave it, in `directory`."""
    document: dict[str, Any] = template.build()
    path = directory / "template.json"
    path.write_text(json.dumps(document, indent=2))
    return path
