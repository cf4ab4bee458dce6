"""The pytest plugin (`corsway.testing`, entry point `pytest11`) in a user's own test suite."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.doctor.test_serve_causes import SEED_AUTHORIZER

pytest_plugins = ["pytester"]

USER_TESTS = """
def test_a_valid_token_is_readable(browser_fetch, corsway_server):
    assert corsway_server.url.endswith("/dev")
    result = browser_fetch("/profile", headers={"Authorization": "Bearer valid-token"})
    assert result.verdict == "allowed"
    assert result.preflight
    assert result.exchanges[-1].response.status == 200


def test_a_refused_token_is_readable(browser_fetch):
    result = browser_fetch("/profile", headers={"Authorization": "Bearer expired"})
    assert result.verdict == "allowed", result.message


def test_the_origin_comes_from_the_ini_file(browser_fetch):
    result = browser_fetch("/profile")
    assert result.exchanges[0].request.header("origin") == "https://app.example.com"
    assert result.cause == "authorizer-rejected"
    assert (result.fix.file, result.fix.line) == ("service/serverless.yml", 25)
"""


@pytest.fixture
def user_project(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copytree(SEED_AUTHORIZER, pytester.path / "service")
    pytester.makeini(
        "[pytest]\ncorsway_service = service\ncorsway_origin = https://app.example.com\n"
    )
    pytester.makepyfile(test_cors=USER_TESTS)
    return pytester


def test_users_tests_get_the_browsers_verdict(user_project: pytest.Pytester) -> None:
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*test_a_refused_token_is_readable*",
            "*AssertionError: Access to fetch at 'http://127.0.0.1:*/dev/profile' from origin "
            "'https://app.example.com' has been blocked by CORS policy: No "
            "'Access-Control-Allow-Origin' header is present on the requested resource.",
        ]
    )
    # the access log of the served service is shown with the failing test
    result.stdout.fnmatch_lines(
        [
            "*Captured stderr call*",
            "OPTIONS /dev/profile  200 *CORS ok for https://app.example.com",
            "GET /dev/profile  401 *authorizer authorize: the function failed with 'Unauthorized'*",
        ]
    )


def test_the_fix_makes_the_users_test_pass(user_project: pytest.Pytester) -> None:
    config = user_project.path / "service" / "serverless.yml"
    config.write_text(
        config.read_text()
        + """
resources:
  Resources:
    GatewayResponseDefault4XX:
      Type: 'AWS::ApiGateway::GatewayResponse'
      Properties:
        ResponseType: DEFAULT_4XX
        RestApiId:
          Ref: 'ApiGatewayRestApi'
        ResponseParameters:
          gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
          gatewayresponse.header.Access-Control-Allow-Headers: "'*'"
"""
    )
    result = user_project.runpytest_subprocess("-p", "no:cacheprovider", "-k", "refused")
    result.assert_outcomes(passed=1, deselected=2)


def test_the_fixtures_are_registered_without_loading_corsway() -> None:
    probe = (
        "import sys, importlib.metadata as m;"
        "[e] = [e for e in m.entry_points(group='pytest11') if e.name == 'corsway'];"
        "module = e.load();"
        "print(e.value, sorted(n for n in ('corsway.doctor.driver', 'corsway.gateway.server',"
        " 'httpx', 'uvicorn') if n in sys.modules))"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert output.strip() == "corsway.testing []"


def test_serve_serves_every_api_of_a_mixed_service() -> None:
    from corsway.testing import serve
    from tests.compile.sls3cases import http_api_case

    with serve(http_api_case("mixed-http-httpapi"), origin="https://app.example.com") as served:
        assert served.urls is not None
        assert set(served.urls) == {"REST API", "HTTP API"}
        assert served.url == served.urls["REST API"] and served.url.endswith("/dev")
        http_api = served.urls["HTTP API"]
        assert not http_api.endswith("/dev")
        # the HTTP API's CorsConfiguration answers the preflight of a PUT with JSON
        result = served.fetch(
            http_api + "/products/7",
            method="PUT",
            headers={"Content-Type": "application/json"},
            data="{}",
            credentials="include",
        )
        assert result.preflight
        assert result.exchanges[0].response is not None
        assert result.exchanges[0].response.status == 204
        assert result.verdict == "allowed", result.message
