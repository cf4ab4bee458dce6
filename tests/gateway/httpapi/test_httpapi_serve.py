"""`corsway serve` with HTTP APIs: the banner, a service with both kinds of API on one port,
paths both could claim, and template errors (exit 1, no traceback, the property named)."""

from __future__ import annotations

import copy
import json
import signal
from pathlib import Path
from typing import Any

import httpx
import pytest

from corsway.errors import CorswayError
from corsway.gateway.loader import read_apis
from tests.compile.sls3cases import http_api_case
from tests.gateway.httpapi.jwt_support import new_key, write_jwks
from tests.gateway.httpapi.support import (
    SERVICE_DIR,
    HttpTemplate,
    shared_template,
)
from tests.gateway.support import TemplateBuilder
from tests.gateway.test_serve_cli import assert_clean_failure, run_serve, start_serve


def write(tmp_path: Path, template: dict[str, Any]) -> Path:
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    return path


def read(template: dict[str, Any]) -> tuple[Any, ...]:
    return read_apis(
        template, service_dir=SERVICE_DIR, stage="dev", region="us-east-1", source="t.json"
    )


def test_mixed_service_banner_marks_each_route_and_prints_both_urls() -> None:
    case = http_api_case("mixed-http-httpapi")
    process, banner = start_serve(
        str(case), "--template", str(case / "expected-template.json"), "--port", "0"
    )
    try:
        assert "REST API base URL: http://127.0.0.1:" in banner
        assert "HTTP API base URL: http://127.0.0.1:" in banner
        rest_url = banner.split("REST API base URL: ")[1].split()[0]
        http_url = banner.split("HTTP API base URL: ")[1].split()[0]
        assert rest_url.endswith("/dev")
        assert rest_url.removesuffix("/dev") == http_url
        rows = [line for line in banner.splitlines() if "/products" in line]
        assert any(line.startswith("REST API") and "PUT" in line for line in rows)
        assert any(line.startswith("HTTP API") and "httpOnly" in line for line in rows)
        response = httpx.get(http_url + "/products", headers={"Origin": "https://app.example.com"})
        assert response.json() == {"ok": True, "routeKey": "GET /products"}
        assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_paths_both_apis_could_claim_are_warned_about() -> None:
    template = TemplateBuilder().function("echo", "handlers.echo").proxy("items", "GET", "echo")
    http = (
        HttpTemplate()
        .function("echo2", "handlers.echo")
        .route("GET /dev/items", "echo2")
        .route("GET /dev/other", "echo2")
        .route("GET /{id}", "echo2")
        .route("GET /users", "echo2")
        .route("$default", "echo2")
    )
    merged = template.build()
    merged["Resources"].update(http.build()["Resources"])
    _rest, served = read(merged)
    notes = "\n".join(served.notes)
    assert (
        "HTTP API route GET /dev/items and REST API route(s) GET /dev/items claim the same path"
    ) in notes
    assert "HTTP API route GET /dev/other and the REST API's base /dev claim" in notes
    assert "HTTP API route GET /{id} and the REST API's base /dev claim" in notes
    assert "HTTP API route $default would also match paths under /dev" in notes
    assert "GET /users" not in notes


def test_no_stage_prefix_with_both_apis_is_an_error() -> None:
    case = http_api_case("mixed-http-httpapi")
    result = run_serve(
        str(case), "--template", str(case / "expected-template.json"), "--no-stage-prefix"
    )
    assert_clean_failure(result, "--no-stage-prefix cannot serve a service with both")


def test_banner_of_an_http_api(tmp_path: Path) -> None:
    case = http_api_case("jwt-authorizer")
    jwks = write_jwks(tmp_path / "jwks.json", new_key("k"))
    process, banner = start_serve(
        str(case), "--template", str(case / "expected-template.json"), "--port", "0",
        "--jwks", f"cognitoJwt={jwks}",
    )  # fmt: skip
    try:
        assert "base URL: http://127.0.0.1:" in banner
        assert "(stage $default" in banner
        assert f"JWT authorizer cognitoJwt: signatures verified with the JWKS {jwks}" in banner
        assert "JWT authorizer auth0-authorizer: token signatures are NOT verified" in banner
        assert "HTTP API CORS from its CorsConfiguration (origins *)" in banner
        assert "built-in preflight ✓" in banner
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_bad_jwks_option_is_a_clean_error(tmp_path: Path) -> None:
    case = http_api_case("jwt-authorizer")
    result = run_serve(
        str(case), "--template", str(case / "expected-template.json"),
        "--jwks", str(tmp_path / "none.json"),
    )  # fmt: skip
    assert_clean_failure(result, f"--jwks {tmp_path / 'none.json'}: cannot read it")


def mutate(case: str, logical_id: str, name: str, value: Any) -> dict[str, Any]:
    template = copy.deepcopy(shared_template(case))
    template["Resources"][logical_id]["Properties"][name] = value
    return template


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            mutate("payload-versions", "HttpApiIntegrationModern", "PayloadFormatVersion", "2"),
            "Resources.HttpApiIntegrationModern.Properties.PayloadFormatVersion: '2' is not "
            "'1.0' or '2.0'",
        ),
        (
            mutate("cors-true", "HttpApiRouteGetUsers", "RouteKey", "FETCH /users"),
            "Resources.HttpApiRouteGetUsers.Properties.RouteKey: 'FETCH /users' is not",
        ),
        (
            mutate("cors-true", "HttpApi", "CorsConfiguration", {"AllowOrigin": ["*"]}),
            "CorsConfiguration.AllowOrigin is not a CorsConfiguration property",
        ),
        (
            mutate("cors-true", "HttpApi", "CorsConfiguration", {"MaxAge": 90000}),
            "CorsConfiguration.MaxAge must be an integer from -1 to 86400, got 90000",
        ),
        (
            mutate("jwt-authorizer", "HttpApiAuthorizerCognitoJwt", "IdentitySource", ["x"]),
            "IdentitySource: 'x' is not an identity source",
        ),
        (
            mutate(
                "lambda-authorizer",
                "HttpApiAuthorizerPolicyAuth",
                "AuthorizerResultTtlInSeconds",
                60,
            ),
            "AuthorizerResultTtlInSeconds 60 needs at least one IdentitySource",
        ),
        (
            mutate("jwt-authorizer", "HttpApiRouteGetAdmin", "AuthorizerId", "abc123"),
            "Resources.HttpApiRouteGetAdmin.Properties.AuthorizerId: 'abc123' is not an "
            "authorizer of this template",
        ),
    ],
)
def test_template_errors_name_the_property(
    tmp_path: Path, template: dict[str, Any], message: str
) -> None:
    with pytest.raises(CorswayError, match=None) as raised:
        read(template)
    assert message in str(raised.value)
    result = run_serve(str(SERVICE_DIR), "--template", str(write(tmp_path, template)))
    assert_clean_failure(result, message)


def test_routes_of_an_external_http_api_cannot_be_served() -> None:
    template = copy.deepcopy(shared_template("cors-true"))
    resources = template["Resources"]
    for logical_id in [k for k, v in resources.items() if v["Type"] == "AWS::ApiGatewayV2::Api"]:
        del resources[logical_id]
    for resource in resources.values():
        if resource["Type"] == "AWS::ApiGatewayV2::Route":
            resource["Properties"]["ApiId"] = "abc123"
    with pytest.raises(CorswayError, match=r"existing HTTP API \(abc123, from provider.httpApi"):
        read(template)


def test_greedy_not_last_is_not_served_and_said() -> None:
    template = (
        HttpTemplate().function("echo", "handlers.echo").route("GET /{proxy+}/tail", "echo").build()
    )
    (served,) = read(template)
    assert served.route_rows() == []
    assert any("a greedy path variable must be the last segment" in n for n in served.notes)


def test_a_rest_gateway_response_in_an_http_api_service_is_said_once() -> None:
    """From a template, a start-up note says it; compiled by corsway, the compiler's CW008
    warning (with its serverless.yml line) says it, and the note does not repeat it."""
    from corsway.gateway.loader import compile_and_load, load_template_file

    case = http_api_case("resources-overrides")
    from_template = load_template_file(
        case / "expected-template.json", case, stage=None, region=None
    )
    assert any("GatewayResponseDefault4XX: a REST API gateway response" in n
               for n in from_template.notes)  # fmt: skip
    compiled = compile_and_load(case, stage=None, region=None)
    assert [w.rule for w in compiled.warnings if "GatewayResponseDefault4XX" in w.message] == [
        "CW008"
    ]
    assert not any("GatewayResponseDefault4XX" in note for note in compiled.notes)
