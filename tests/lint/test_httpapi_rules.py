"""The HTTP API rules, run on the real framework's templates (tests/lint/fixtures/httpapi, copies
of Serverless v3.40 output) with the loaded serverless.yml: the compiler does not emit
`AWS::ApiGatewayV2::*` yet. Each rule: a variant that breaks it (line and column checked) and
the case as the framework compiled it, which does not."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from tests.lint.support import HTTPAPI_CASES, expected_template, httpapi_findings, where


def yml(case: str) -> str:
    return (HTTPAPI_CASES / case / "serverless.yml").read_text()


def api_cors(template: dict[str, Any]) -> dict[str, Any]:
    cors: dict[str, Any] = template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]
    return cors


def test_cw001_credentials_with_the_default_star_origin(tmp_path: Path) -> None:
    text = yml("cors-object-full").replace(
        "      allowedOrigins:\n        - https://app.example.com\n        - https://*.example.org\n"
        "        - http://localhost:5173\n",
        "",
    )
    template = expected_template("cors-object-full")
    api_cors(template)["AllowOrigins"] = ["*"]
    found = httpapi_findings(
        "cors-object-full", "CW001", yml=text, template=template, directory=tmp_path
    )
    assert where(found) == ["serverless.yml:25:25"]
    assert httpapi_findings("cors-object-full", "CW001") == []


def without_preflight_route() -> tuple[str, dict[str, Any]]:
    text = yml("resources-overrides").replace(
        "  preflight:\n    handler: handler.handler\n    events:\n"
        "      - httpApi: 'OPTIONS /{proxy+}'\n",
        "",
    )
    template = copy.deepcopy(expected_template("resources-overrides"))
    del template["Resources"]["HttpApiRouteOptionsProxyVar"]
    return text, template


def test_cw006_authorized_default_route_takes_the_preflights(tmp_path: Path) -> None:
    text, template = without_preflight_route()
    found = httpapi_findings(
        "resources-overrides", "CW006", yml=text, template=template, directory=tmp_path
    )
    assert where(found) == ["serverless.yml:28:23"]
    assert found[0].severity == "error" and found[0].fix is not None
    assert "'OPTIONS /{proxy+}'" in found[0].message
    # The case as written has the unauthenticated OPTIONS /{proxy+} route.
    assert httpapi_findings("resources-overrides", "CW006") == []


def test_cw006_authorized_any_route(tmp_path: Path) -> None:
    template = copy.deepcopy(expected_template("catch-all"))
    route = template["Resources"]["HttpApiRouteAnyAnyMethod"]["Properties"]
    route["AuthorizationType"] = "JWT"
    found = httpapi_findings(
        "catch-all", "CW006", yml=yml("catch-all"), template=template, directory=tmp_path
    )
    assert where(found) == ["serverless.yml:22:11"]  # the event (its authorizer is in the template)
    assert "'OPTIONS /any/method'" in found[0].message
    assert httpapi_findings("catch-all", "CW006") == []


def test_cw007_handlers_setting_cors_headers_behind_a_cors_configuration(
    tmp_path: Path,
) -> None:
    (tmp_path / "handler.js").write_text(
        "module.exports.handler = async () => ({\n"
        "  statusCode: 200,\n"
        "  headers: { 'Access-Control-Allow-Origin': '*' },\n"
        "});\n"
    )
    found = httpapi_findings("cors-true", "CW007", yml=yml("cors-true"), directory=tmp_path)
    assert where(found) == ["handler.js:3:15"]  # once for the three functions that use it
    assert found[0].severity == "info"
    assert httpapi_findings("cors-true", "CW007") == []


def test_cw009_max_age(tmp_path: Path) -> None:
    for age, refused in ((9000, False), (90000, True)):
        template = expected_template("cors-object-full")
        api_cors(template)["MaxAge"] = age
        text = yml("cors-object-full").replace("maxAge: 6000", f"maxAge: {age}")
        found = httpapi_findings(
            "cors-object-full", "CW009", yml=text, template=template, directory=tmp_path
        )
        assert where(found) == ["serverless.yml:33:15"]
        assert ("AWS refuses to deploy" in found[0].message) == refused
    assert httpapi_findings("cors-object-full", "CW009") == []


def test_cw010_star_headers_and_a_jwt_authorizer_reading_authorization(tmp_path: Path) -> None:
    text = yml("jwt-authorizer").replace(
        "    cors: true\n", "    cors:\n      allowedHeaders: '*'\n"
    )
    template = expected_template("jwt-authorizer")
    api_cors(template)["AllowHeaders"] = ["*"]
    found = httpapi_findings(
        "jwt-authorizer", "CW010", yml=text, template=template, directory=tmp_path
    )
    assert where(found) == ["serverless.yml:11:23"]
    assert "GET /profile" in found[0].message
    api_cors(template)["AllowHeaders"] = ["*", "Authorization"]
    text = text.replace("allowedHeaders: '*'", "allowedHeaders: ['*', Authorization]")
    assert (
        httpapi_findings("jwt-authorizer", "CW010", yml=text, template=template, directory=tmp_path)
        == []
    )


def test_cw014_allowed_origin_with_a_trailing_slash(tmp_path: Path) -> None:
    text = yml("cors-object-full").replace(
        "- https://app.example.com\n", "- https://app.example.com/\n"
    )
    found = httpapi_findings("cors-object-full", "CW014", yml=text, directory=tmp_path)
    assert where(found) == ["serverless.yml:18:11"]
    assert httpapi_findings("cors-object-full", "CW014") == []


def test_cw008_rest_gateway_response_in_an_http_api_service() -> None:
    found = httpapi_findings("resources-overrides", "CW008")
    assert where(found) == ["serverless.yml:48:11"]
    assert httpapi_findings("mixed-http-httpapi", "CW008") == []


def test_the_oracle_cases_have_no_http_api_findings() -> None:
    """The cases are correct HTTP API services (resources-overrides: CW008 aside)."""
    for case in sorted(p.name for p in HTTPAPI_CASES.iterdir()):
        for rule in ("CW001", "CW006", "CW007", "CW009", "CW010", "CW014"):
            assert httpapi_findings(case, rule) == [], (case, rule)
