"""The HTTP API rules end to end (load, compile, lint) on oracle services
(tests/lint/fixtures/httpapi): each rule, a variant that breaks it (line and column checked) and
the case as written, which does not. CW001, CW006 and CW008 come from the compiler's checks (one
place), CW007/CW009/CW010/CW014 from lint's; `test_the_compiler_emits_the_shape_the_rules_read`
keeps the compiled template equal to the framework's one the rules were written against."""

from __future__ import annotations

from pathlib import Path

from corsway.compile import compile_service
from corsway.service import load_service
from tests.compile.sls3cases import SHARED_HTTP_API_CASES, http_api_case
from tests.lint.support import expected_template, httpapi_findings, where


def yml(case: str) -> str:
    return (http_api_case(case) / "serverless.yml").read_text()


def test_cw001_credentials_with_the_default_star_origin(tmp_path: Path) -> None:
    text = yml("cors-object-full").replace(
        "      allowedOrigins:\n        - https://app.example.com\n        - https://*.example.org\n"
        "        - http://localhost:5173\n",
        "",
    )
    found = httpapi_findings("cors-object-full", "CW001", yml=text, directory=tmp_path)
    assert where(found) == ["serverless.yml:25:25"]
    assert found[0].severity == "error"
    assert httpapi_findings("cors-object-full", "CW001") == []


def without_preflight_route() -> str:
    return yml("resources-overrides").replace(
        "  preflight:\n    handler: handler.handler\n    events:\n"
        "      - httpApi: 'OPTIONS /{proxy+}'\n",
        "",
    )


def test_cw006_authorized_default_route_takes_the_preflights(tmp_path: Path) -> None:
    text = without_preflight_route()
    found = httpapi_findings("resources-overrides", "CW006", yml=text, directory=tmp_path)
    assert where(found) == ["serverless.yml:28:23"]
    assert found[0].severity == "error" and found[0].fix is not None
    assert "'OPTIONS /{proxy+}'" in found[0].message
    # The case as written has the unauthenticated OPTIONS /{proxy+} route.
    assert httpapi_findings("resources-overrides", "CW006") == []


def test_cw006_authorized_any_route(tmp_path: Path) -> None:
    text = yml("catch-all").replace(
        "          method: '*'\n          path: /any/method\n",
        "          method: '*'\n          path: /any/method\n          authorizer:\n"
        "            type: aws_iam\n",
    )
    found = httpapi_findings("catch-all", "CW006", yml=text, directory=tmp_path)
    assert where(found) == ["serverless.yml:25:13"]  # the route's authorizer
    assert "'OPTIONS /any/method'" in found[0].message
    # A greedy OPTIONS route does not help: OPTIONS /any/method matches `ANY /any/method` first
    greedy = text + "  preflight:\n    handler: handler.handler\n    events:\n"
    greedy += "      - httpApi: 'OPTIONS /{proxy+}'\n"
    assert where(httpapi_findings("catch-all", "CW006", yml=greedy, directory=tmp_path)) == [
        "serverless.yml:25:13"
    ]
    exact = greedy + "      - httpApi: 'OPTIONS /any/method'\n"
    assert httpapi_findings("catch-all", "CW006", yml=exact, directory=tmp_path) == []
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
        text = yml("cors-object-full").replace("maxAge: 6000", f"maxAge: {age}")
        found = httpapi_findings("cors-object-full", "CW009", yml=text, directory=tmp_path)
        assert where(found) == ["serverless.yml:33:15"]
        assert ("so the deploy fails" in found[0].message) == refused
    assert httpapi_findings("cors-object-full", "CW009") == []


def test_cw010_star_headers_and_a_jwt_authorizer_reading_authorization(tmp_path: Path) -> None:
    text = yml("jwt-authorizer").replace(
        "    cors: true\n", "    cors:\n      allowedHeaders: '*'\n"
    )
    found = httpapi_findings("jwt-authorizer", "CW010", yml=text, directory=tmp_path)
    assert where(found) == ["serverless.yml:11:23"]
    assert "GET /profile" in found[0].message
    text = text.replace("allowedHeaders: '*'", "allowedHeaders: ['*', Authorization]")
    assert httpapi_findings("jwt-authorizer", "CW010", yml=text, directory=tmp_path) == []


def test_cw014_allowed_origin_with_a_trailing_slash(tmp_path: Path) -> None:
    text = yml("cors-object-full").replace(
        "- https://app.example.com\n", "- https://app.example.com/\n"
    )
    found = httpapi_findings("cors-object-full", "CW014", yml=text, directory=tmp_path)
    assert where(found) == ["serverless.yml:18:11"]
    assert httpapi_findings("cors-object-full", "CW014") == []


def test_cw008_rest_gateway_response_in_an_http_api_service() -> None:
    found = httpapi_findings("resources-overrides", "CW008")
    assert where(found) == ["serverless.yml:48:16"]  # the Ref
    assert httpapi_findings("mixed-http-httpapi", "CW008") == []


def test_the_oracle_cases_have_no_http_api_findings() -> None:
    """The cases are correct HTTP API services (resources-overrides: CW008 aside)."""
    for case in SHARED_HTTP_API_CASES:
        for rule in ("CW001", "CW006", "CW007", "CW009", "CW010", "CW014"):
            assert httpapi_findings(case, rule) == [], (case, rule)


def test_the_compiler_emits_the_shape_the_rules_read() -> None:
    """The template lint judges is the framework's (the rules were written against it)."""
    for case in SHARED_HTTP_API_CASES:
        compiled = compile_service(http_api_case(case), env={}).template
        expected = expected_template(case)
        for kind in ("AWS::ApiGatewayV2::Api", "AWS::ApiGatewayV2::Route"):
            mine = {k: v for k, v in compiled["Resources"].items() if v["Type"] == kind}
            theirs = {k: v for k, v in expected["Resources"].items() if v["Type"] == kind}
            assert mine == theirs, (case, kind)
        assert load_service(http_api_case(case), env={}).config  # loads without error
