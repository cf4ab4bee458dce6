"""MOCK integrations (the preflights) over real HTTP, from the framework's own templates."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gateway.support import (
    RunningGateway,
    TemplateBuilder,
    as_python,
    running_gateway,
    sls3_template,
)

DEFAULT_HEADERS = (
    "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent,"
    "X-Amzn-Trace-Id"
)


def preflight(gateway: RunningGateway, path: str, origin: str | None, method: str = "GET"):
    headers = {"Access-Control-Request-Method": method}
    if origin is not None:
        headers["Origin"] = origin
    return gateway.client.options(gateway.url + path, headers=headers)


def cors_headers(response) -> list[tuple[str, str]]:
    return [
        (name.decode(), value.decode())
        for name, value in response.headers.raw
        if name.lower().startswith((b"access-control-", b"cache-control"))
    ]


@pytest.fixture(scope="module")
def seed() -> Iterator[RunningGateway]:
    with running_gateway(as_python(sls3_template("seed-tldr"))) as gateway:
        yield gateway


def test_seed_preflight_is_exactly_the_compiled_mock(seed: RunningGateway) -> None:
    response = preflight(seed, "/product", "http://localhost:5173", "POST")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == "0"
    assert cors_headers(response) == [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Allow-Headers", DEFAULT_HEADERS),
        ("Access-Control-Allow-Methods", "OPTIONS,POST"),
    ]
    assert response.headers["x-amzn-RequestId"]
    assert response.headers["x-amz-apigw-id"]
    assert "x-amzn-ErrorType" not in response.headers
    log = seed.console("OPTIONS /dev/product ")
    assert "OPTIONS /dev/product  200" in log
    assert "CORS ok for http://localhost:5173" in log


def test_each_path_has_its_own_preflight(seed: RunningGateway) -> None:
    response = preflight(seed, "/product/12", "http://localhost:5173")
    assert dict(cors_headers(response))["Access-Control-Allow-Methods"] == "OPTIONS,GET"


def test_preflight_answers_without_origin_too(seed: RunningGateway) -> None:
    response = preflight(seed, "/product", None)
    assert response.status_code == 200
    assert dict(cors_headers(response))["Access-Control-Allow-Origin"] == "*"


@pytest.fixture(scope="module")
def origins() -> Iterator[RunningGateway]:
    with running_gateway(as_python(sls3_template("cors-origins-credentials"))) as gateway:
        yield gateway


@pytest.mark.parametrize(
    ("origin", "expected"),
    [
        ("https://myfirstorigin.com", "https://myfirstorigin.com"),
        ("https://mysecondorigin.com", "https://mysecondorigin.com"),
        ("https://app.example.com", "https://app.example.com"),  # https://*.example.com
        ("https://a.b.example.com", "https://a.b.example.com"),  # .+ spans dots
        ("https://evil.com", "https://myfirstorigin.com"),  # no match: the static first origin
        ("https://example.com", "https://myfirstorigin.com"),  # the wildcard needs a label
        ("https://myfirstoriginXcom", "https://myfirstorigin.com"),  # '.' is escaped as [.]
    ],
)
def test_multi_origin_template_echoes_an_allowed_origin(
    origins: RunningGateway, origin: str, expected: str
) -> None:
    response = preflight(origins, "/list", origin)
    assert response.status_code == 200
    headers = cors_headers(response)
    assert [v for k, v in headers if k == "Access-Control-Allow-Origin"] == [expected]
    assert ("Access-Control-Allow-Credentials", "true") in headers
    assert response.headers["content-type"] == "application/json"


def test_multi_origin_template_falls_back_to_lowercase_origin_header(
    origins: RunningGateway,
) -> None:
    response = origins.client.options(
        origins.url + "/list",
        headers={"origin": "https://mysecondorigin.com", "Access-Control-Request-Method": "GET"},
    )
    assert response.headers["Access-Control-Allow-Origin"] == "https://mysecondorigin.com"


def test_comma_origin_list_echoes_and_single_origin_is_static(origins: RunningGateway) -> None:
    response = preflight(origins, "/comma", "https://b.example.org", "PUT")
    assert response.headers["Access-Control-Allow-Origin"] == "https://b.example.org"
    response = preflight(origins, "/single", "https://other.example", "POST")
    assert response.headers["Access-Control-Allow-Origin"] == "https://myorigin.com"


def test_max_age_cache_control_and_any_expansion() -> None:
    template = as_python(sls3_template("cors-maxage-cachecontrol-methods"))
    with running_gateway(template) as gateway:
        cached = dict(cors_headers(preflight(gateway, "/cached", "https://app.example.com")))
        assert cached["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert cached["Access-Control-Max-Age"] == "86400"
        assert cached["Cache-Control"] == "max-age=600, s-maxage=600, proxy-revalidate"
        assert cached["Access-Control-Allow-Methods"] == "GET,PUT,PATCH,OPTIONS"
        anything = dict(cors_headers(preflight(gateway, "/anything/x/y", "https://a.test")))
        assert anything["Access-Control-Allow-Methods"] == "OPTIONS,DELETE,GET,HEAD,PATCH,POST,PUT"
        star = dict(cors_headers(preflight(gateway, "/star", "https://a.test", "DELETE")))
        assert star["Access-Control-Allow-Headers"] == "*"


def test_user_options_method_merged_into_the_preflight_runs_the_function() -> None:
    template = as_python(sls3_template("cors-root-and-explicit-options"))
    with running_gateway(template) as gateway:
        root = preflight(gateway, "/", "https://a.test")
        assert root.headers["Access-Control-Allow-Methods"] == "OPTIONS,GET"
        clash = preflight(gateway, "/clash", "https://a.test")
        # The hybrid method is AWS_PROXY: the Lambda answers, with no CORS headers at all.
        assert clash.status_code == 200
        assert clash.json()["httpMethod"] == "OPTIONS"
        assert "access-control-allow-origin" not in clash.headers


def test_non_proxy_mock_with_response_block() -> None:
    template = as_python(sls3_template("cors-nonproxy-integrations"))
    with running_gateway(template) as gateway:
        response = gateway.client.get(gateway.url + "/mock", headers={"Origin": "https://a.test"})
        assert response.status_code == 201
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert response.headers["content-type"] == "application/json"
        lambda_default = gateway.client.get(gateway.url + "/lambda/default")
        assert lambda_default.status_code == 500
        assert lambda_default.content == b'{"message": "Internal server error"}'
        assert "AWS integrations are not run" in gateway.console("/dev/lambda/default")


def test_hand_written_vtl_status_override_escape_and_params() -> None:
    template = (
        TemplateBuilder()
        .method(
            "vtl",
            "GET",
            {
                "Type": "MOCK",
                "RequestTemplates": {
                    "application/json": '#if($input.params("fail") == "yes")'
                    '{"statusCode": 400}#else{"statusCode": 200}#end'
                },
                "IntegrationResponses": [
                    {
                        "StatusCode": "200",
                        "ResponseParameters": {
                            "method.response.header.X-From-Header": "method.request.header.X-In",
                            "method.response.header.X-From-Query": "method.request.querystring.q",
                            "method.response.header.X-Static": "'fixed'",
                            "method.response.header.X-Missing": "method.request.header.Nope",
                        },
                        "ResponseTemplates": {
                            "application/json": (
                                '{"q": "$util.escapeJavaScript($input.params("q"))", '
                                '"all": "$input.params().querystring.q", '
                                '"stage": "$context.stage"}'
                                "#if($input.params('teapot') != '')"
                                "#set($context.responseOverride.status = 418)"
                                "#set($context.responseOverride.header.X-Static = 'overridden')"
                                "#end"
                            )
                        },
                    },
                    {"StatusCode": "400", "SelectionPattern": "4\\d{2}"},
                ],
            },
        )
        .build()
    )
    with running_gateway(template) as gateway:
        response = gateway.client.get(
            gateway.url + "/vtl", params={"q": 'it\'s "x"/é'}, headers={"X-In": "hello"}
        )
        assert response.status_code == 200
        assert response.headers["X-From-Header"] == "hello"
        assert response.headers["X-From-Query"] == 'it\'s "x"/é'
        assert response.headers["X-Static"] == "fixed"
        assert "X-Missing" not in response.headers
        assert response.text == (
            '{"q": "it\\\'s \\"x\\"\\/\\u00E9", "all": "it\'s "x"/é", "stage": "dev"}'
        )
        teapot = gateway.client.get(gateway.url + "/vtl", params={"teapot": "1"})
        assert teapot.status_code == 418
        assert teapot.headers["X-Static"] == "overridden"
        failed = gateway.client.get(gateway.url + "/vtl", params={"fail": "yes"})
        assert failed.status_code == 400
        assert failed.content == b""


def test_mock_without_status_or_default_response_is_500() -> None:
    template = (
        TemplateBuilder()
        .method(
            "nostatus",
            "GET",
            {
                "Type": "MOCK",
                "RequestTemplates": {"application/json": "{}"},
                "IntegrationResponses": [{"StatusCode": "200"}],
            },
        )
        .method(
            "nodefault",
            "GET",
            {
                "Type": "MOCK",
                "RequestTemplates": {"application/json": '{"statusCode": 200}'},
                "IntegrationResponses": [],
            },
        )
        .build()
    )
    with running_gateway(template) as gateway:
        for path in ("/nostatus", "/nodefault"):
            response = gateway.client.get(gateway.url + path)
            assert response.status_code == 500
            assert response.content == b'{"message": "Internal server error"}'
            assert response.headers["x-amzn-ErrorType"] == "InternalServerErrorException"
        log = gateway.console("nodefault")
        assert "no integration response matches status 200" in log
