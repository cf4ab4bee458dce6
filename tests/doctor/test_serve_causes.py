"""`corsway check` against `corsway serve` of services with one defect per route: the right
cause and a fix that works, and `allowed` where nothing is wrong."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corsway.doctor import check
from corsway.doctor.result import Fix
from corsway.testing import ServedService, serve
from tests.gateway.support import EXAMPLE_DIR, FIXTURES

DEFECTS = FIXTURES / "doctor_service"
SEED_AUTHORIZER = FIXTURES.parent.parent / "examples" / "seed-authorizer"
ORIGIN = "http://localhost:5173"


@pytest.fixture(scope="module")
def defects() -> Iterator[ServedService]:
    with serve(DEFECTS) as served:
        yield served


# (path, fetch options, CorsError, cause, words the fix must contain, (file, line) of the fix)
DEFECT_CASES: list[tuple[str, dict[str, Any], str, str, str, tuple[str, int]]] = [
    (
        "/orders",
        {"method": "PUT"},
        "PreflightMissingAllowOriginHeader",
        "no-preflight-route",
        "Add `cors: true` (or a `cors:` block allowing http://localhost:5173) to the http event "
        "PUT /orders of function orders at serverless.yml:19",
        ("serverless.yml", 19),
    ),
    (
        "/nothing",
        {},
        "MissingAllowOriginHeader",
        "route-not-found",
        "No http event has the path /nothing",
        ("serverless.yml", 67),  # the DEFAULT_4XX block goes at the end of the file
    ),
    (
        "/nothing",
        {"method": "PUT"},
        "PreflightMissingAllowOriginHeader",
        "route-not-found",  # not no-preflight-route: the path itself is unknown
        "No http event has the path /nothing",
        ("serverless.yml", 8),  # functions:
    ),
    (
        "/prod/items",
        {},
        "MissingAllowOriginHeader",
        "route-not-found",
        "The URL's stage is 'prod', but the service is served with the stage 'dev'",
        ("serverless.yml", 4),  # provider: (no provider.stage written)
    ),
    (
        "/items",
        {"method": "POST"},
        "MissingAllowOriginHeader",
        "route-not-found",
        "/items has no POST method (its http events: GET at serverless.yml:14, PUT at "
        "serverless.yml:15)",
        ("serverless.yml", 67),
    ),
    (
        "/items",
        {"method": "DELETE"},
        "MethodDisallowedByPreflightResponse",
        "method-not-allowed",
        "/items has no DELETE method",
        ("serverless.yml", 14),  # the event whose cors makes the preflight
    ),
    (
        "/items",
        {"method": "PUT"},
        "MethodDisallowedByPreflightResponse",
        "method-not-allowed",
        "the http event PUT /items of function items at serverless.yml:15 has no `cors`",
        ("serverless.yml", 15),
    ),
    (
        "/profile",
        {},
        "MissingAllowOriginHeader",
        "authorizer-rejected",
        "The authorizer authorize (function authorize, handler handler.authorize) of the http "
        "event GET /profile of function profile (serverless.yml:27) refused the request (401",
        ("serverless.yml", 67),
    ),
    (
        "/profile",
        {"headers": {"Authorization": "Bearer expired"}},
        "MissingAllowOriginHeader",
        "authorizer-rejected",
        "ResponseType: DEFAULT_4XX",
        ("serverless.yml", 67),
    ),
    (
        "/admin/users",
        {"method": "DELETE"},
        "PreflightMissingAllowOriginHeader",
        "preflight-caught-by-route",
        "its authorizer authorize answered it (401",
        ("serverless.yml", 31),
    ),
    (
        "/crash",
        {},
        "MissingAllowOriginHeader",
        "gateway-error",
        "The function crash (handler.crash, handler.py:40) failed",
        ("serverless.yml", 67),
    ),
    (
        "/bare",
        {},
        "MissingAllowOriginHeader",
        "handler-missing-cors",
        "The handler handler.without_cors (function bare, handler.py:22) returned 200",
        ("handler.py", 22),
    ),
    (
        "/partner",
        {"method": "PUT"},
        "PreflightAllowOriginMismatch",
        "origin-not-allowed",
        f"Add {ORIGIN} to that cors",
        ("serverless.yml", 46),
    ),
    (
        "/session",
        {"method": "PUT", "credentials": "include"},
        "PreflightWildcardOriginNotAllowed",
        "wildcard-with-credentials",
        "allowCredentials: true",
        ("serverless.yml", 50),
    ),
    (
        "/session",
        {"method": "PUT", "headers": {"X-Custom": "1"}},
        "HeaderDisallowedByPreflightResponse",
        "header-not-allowed",
        "Write it as a block that lists x-custom too",
        ("serverless.yml", 50),
    ),
    (
        "/account",
        {"method": "PUT", "credentials": "include"},
        "PreflightInvalidAllowCredentials",
        "credentials-not-allowed",
        "set `allowCredentials: true` in the cors of the http event PUT /account",
        ("serverless.yml", 57),
    ),
]


def assert_fix_at(fix: Fix | None, service: Path, where: tuple[str, int]) -> None:
    """The fix names this file of the service and this line."""
    assert fix is not None
    assert fix.file is not None and fix.line is not None, fix
    assert (Path(fix.file).resolve(), fix.line) == ((service / where[0]).resolve(), where[1])


@pytest.mark.parametrize(
    "case", DEFECT_CASES, ids=[f"{case[3]}:{case[0]}:{len(case[1])}" for case in DEFECT_CASES]
)
def test_each_defect_gets_its_cause_and_the_line_to_change(
    defects: ServedService, case: tuple[str, dict[str, Any], str, str, str, tuple[str, int]]
) -> None:
    path, options, error, cause, fix_words, where = case
    url = defects.url.rsplit("/dev", 1)[0] + path if path.startswith("/prod") else path
    result = defects.fetch(url, **options)
    assert result.verdict == "blocked"
    assert result.browser_error == error
    assert result.cause == cause
    assert result.fix is not None
    assert fix_words in result.fix.text
    assert_fix_at(result.fix, DEFECTS, where)


@pytest.mark.parametrize(
    ("path", "options"),
    [
        ("/items", {}),
        ("/profile", {"headers": {"Authorization": "Bearer valid-token"}}),
        (
            "/products",
            {
                "method": "PUT",
                "credentials": "include",
                "data": "{}",
                "headers": {"Content-Type": "application/json"},
            },
        ),
    ],
)
def test_routes_without_defects_are_allowed(
    defects: ServedService, path: str, options: dict[str, Any]
) -> None:
    result = defects.fetch(path, **options)
    assert result.verdict == "allowed", result.message
    assert (result.cause, result.fix, result.message) == (None, None, None)
    assert result.exchanges[-1].response is not None
    assert result.exchanges[-1].response.status == 200


@pytest.mark.parametrize(
    ("path", "options"),
    [
        ("/product/1", {}),
        (
            "/product",
            {
                "method": "POST",
                "data": '{"name": "x"}',
                "headers": {"Content-Type": "application/json"},
            },
        ),
        ("/account", {"credentials": "include", "origin": "http://127.0.0.1:5173"}),
        ("/no-such-route", {}),  # the example's GatewayResponseDefault4XX makes the 403 readable
    ],
)
def test_the_example_service_is_allowed(path: str, options: dict[str, Any]) -> None:
    with serve(EXAMPLE_DIR) as example:
        result = example.fetch(path, **options)
    assert result.verdict == "allowed", result.message


def test_the_seed_authorizer_problem_is_diagnosed_and_its_fix_works(tmp_path: Path) -> None:
    service = tmp_path / "seed-authorizer"
    shutil.copytree(SEED_AUTHORIZER, service)
    expired = {"Authorization": "Bearer expired-token"}
    with serve(service) as served:
        before = served.fetch("/profile", headers=expired)
        valid = served.fetch("/profile", headers={"Authorization": "Bearer valid-token"})
    assert valid.verdict == "allowed"
    assert before.verdict == "blocked"
    assert before.cause == "authorizer-rejected"
    assert before.message is not None
    assert before.message.endswith(
        "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    )
    assert before.fix is not None
    assert "of the http event GET /profile of function getProfile (serverless.yml:22)" in (
        before.fix.text
    )
    assert_fix_at(before.fix, service, ("serverless.yml", 25))  # the end of the file
    snippet = before.fix.text[before.fix.text.index("resources:") :]
    config = service / "serverless.yml"
    config.write_text(config.read_text() + "\n" + snippet + "\n")
    with serve(service) as served:
        after = served.fetch("/profile", headers=expired)
    assert after.verdict == "allowed", after.message
    response = after.exchanges[-1].response
    assert response is not None
    assert response.status == 401  # the page can now read the refusal


RESOURCES = """\
resources:
  Resources:
    GatewayResponseDefault4XX:
      Type: 'AWS::ApiGateway::GatewayResponse'
      Properties:
        ResponseType: DEFAULT_4XX
        RestApiId:
          Ref: 'ApiGatewayRestApi'
        ResponseParameters:
          gatewayresponse.header.X-Request-Id: "'x'"
"""


def test_fixes_go_into_the_resources_block_the_service_already_has(tmp_path: Path) -> None:
    service = tmp_path / "defects"
    shutil.copytree(DEFECTS, service)
    config = service / "serverless.yml"
    config.write_text(config.read_text() + RESOURCES)  # lines 67-76
    with serve(service) as served:
        refused = served.fetch("/profile")
        crashed = served.fetch("/crash")
    assert refused.cause == "authorizer-rejected"
    assert refused.fix is not None
    assert (
        "the GatewayResponse GatewayResponseDefault4XX at serverless.yml:69 has no "
        "Access-Control-Allow-Origin: add under its ResponseParameters:\n"
        "gatewayresponse.header.Access-Control-Allow-Origin: \"'*'\""
    ) in refused.fix.text
    assert_fix_at(refused.fix, service, ("serverless.yml", 69))
    assert crashed.cause == "gateway-error"
    assert crashed.fix is not None
    assert (
        "add under resources.Resources at serverless.yml:68:\n    GatewayResponseDefault5XX:"
        in (crashed.fix.text)
    )
    assert_fix_at(crashed.fix, service, ("serverless.yml", 68))


def test_an_any_method_without_authorizer_answers_the_preflight_itself(tmp_path: Path) -> None:
    service = tmp_path / "open-any"
    service.mkdir()
    shutil.copy(DEFECTS / "handler.py", service)
    (service / "serverless.yml").write_text(
        "service: open-any\n"
        "provider:\n"
        "  name: aws\n"
        "  runtime: python3.11\n"
        "functions:\n"
        "  app:\n"
        "    handler: handler.without_cors\n"
        "    events:\n"
        "      - http: ANY {proxy+}\n"
    )
    with serve(service) as served:
        result = served.fetch("/things/1", method="PUT")
    assert (result.browser_error, result.cause) == (
        "PreflightMissingAllowOriginHeader",
        "preflight-caught-by-route",  # the route's handler answered it
    )
    assert result.fix is not None
    assert "The http event ANY /{proxy+} of function app at serverless.yml:9 has no OPTIONS" in (
        result.fix.text
    )
    assert "its function answered it (200)" in result.fix.text
    assert_fix_at(result.fix, service, ("serverless.yml", 9))


def test_a_deployed_url_is_read_with_any_stage_or_none(tmp_path: Path) -> None:
    """--service against another server: `/prod/...` (another stage) and `/...` (a custom
    domain without the stage) both reach the service's resources."""
    from corsway.doctor.service import ServiceSource, load_facts

    facts = load_facts(ServiceSource(DEFECTS))
    for url in ("https://abc.execute-api.eu-west-1.amazonaws.com/prod/items",
                "https://api.example.com/items"):  # fmt: skip
        target = facts.rest_target(url)
        assert target is not None and target.resource is not None, url
        assert target.resource.path == "/items"
        assert [e.method for e in target.events] == ["get", "put"]
    served = load_facts(ServiceSource(DEFECTS, stage_prefix=True))
    wrong = served.rest_target("http://127.0.0.1:3000/prod/items")
    assert wrong is not None and (wrong.path, wrong.url_stage) == (None, "prod")


def test_the_python_api_takes_the_service_directory(defects: ServedService) -> None:
    result = check(
        defects.url + "/orders",
        origin=ORIGIN,
        method="PUT",
        service=DEFECTS / "serverless.yml",
        local_network_permission=True,
    )
    assert (result.cause, result.service) == ("no-preflight-route", os.path.relpath(DEFECTS))
    assert_fix_at(result.fix, DEFECTS, ("serverless.yml", 19))
    assert result.as_json()["fix"] == {
        "text": result.fix.text if result.fix else None,
        "file": os.path.relpath(DEFECTS / "serverless.yml"),
        "line": 19,
    }


def test_a_packaged_template_is_explained_with_its_serverless_yml(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from corsway.cli.main import cli

    template = tmp_path / "template.json"
    assert CliRunner().invoke(cli, ["package", str(DEFECTS), "-o", str(template)]).exit_code == 0
    with serve(DEFECTS, template=template) as served:
        result = served.fetch("/orders", method="PUT")
    assert result.cause == "no-preflight-route"
    assert_fix_at(result.fix, DEFECTS, ("serverless.yml", 19))
