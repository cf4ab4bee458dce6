"""Gateway responses: defaults, the user's resources, DEFAULT_4XX/5XX inheritance, status codes."""

from __future__ import annotations

import json

import pytest

from corsway.gateway.rest.gateway_responses import RESPONSE_TYPES, GatewayResponses
from corsway.gateway.rest.parameters import ParameterSource, RequestValues
from corsway.gateway.rest.template import build_api
from tests.gateway.support import (
    SERVICE_DIR,
    TemplateBuilder,
    as_python,
    running_gateway,
    sls3_template,
)

ORIGIN = {"Origin": "http://localhost:5173"}


def base() -> TemplateBuilder:
    return (
        TemplateBuilder()
        .function("raises", "handlers.raises")
        .proxy("fails", "GET", "raises")
        .function("echo", "handlers.echo")
        .proxy("ok", "GET", "echo")
    )


def test_without_gateway_responses_errors_carry_no_cors_headers() -> None:
    with running_gateway(base().build()) as gateway:
        missing = gateway.client.get(gateway.url + "/nope", headers=ORIGIN)
        assert missing.status_code == 403
        assert missing.content == b'{"message":"Missing Authentication Token"}'
        failed = gateway.client.get(gateway.url + "/fails", headers=ORIGIN)
        assert failed.status_code == 502
        assert failed.content == b'{"message": "Internal server error"}'
        for response in (missing, failed):
            assert "access-control-allow-origin" not in response.headers
        assert "CORS blocked for http://localhost:5173: MissingAllowOriginHeader" in (
            gateway.console("/dev/fails")
        )


def test_seed_default_4xx_makes_the_403_readable_but_not_the_502() -> None:
    template = as_python(sls3_template("seed-tldr"), handler="handlers.raises")
    with running_gateway(template) as gateway:
        missing = gateway.client.get(gateway.url + "/nope", headers=ORIGIN)
        assert missing.status_code == 403
        assert missing.headers["Access-Control-Allow-Origin"] == "*"
        assert missing.headers["Access-Control-Allow-Headers"] == "*"
        assert missing.content == b'{"message":"Missing Authentication Token"}'
        failed = gateway.client.get(gateway.url + "/product/1", headers=ORIGIN)
        assert failed.status_code == 502
        assert "access-control-allow-origin" not in failed.headers


def test_default_5xx_decorates_lambda_errors_and_timeouts() -> None:
    template = (
        base()
        .function("sleeps", "handlers.sleeps", timeout=20)
        .proxy("slow", "GET", "sleeps")
        .gateway_response("DEFAULT_5XX", parameters={"Access-Control-Allow-Origin": "'*'"})
        .build()
    )
    with running_gateway(template, integration_timeout_s=0.5) as gateway:
        failed = gateway.client.get(gateway.url + "/fails", headers=ORIGIN)
        assert failed.status_code == 502
        assert failed.headers["Access-Control-Allow-Origin"] == "*"
        assert failed.content == b'{"message": "Internal server error"}'
        timed_out = gateway.client.get(gateway.url + "/slow?s=3", headers=ORIGIN)
        assert timed_out.status_code == 504
        assert timed_out.content == b'{"message": "Endpoint request timed out"}'
        assert timed_out.headers["Access-Control-Allow-Origin"] == "*"
        missing = gateway.client.get(gateway.url + "/nope", headers=ORIGIN)
        assert "access-control-allow-origin" not in missing.headers  # 4XX not customised


def test_family_status_code_overrides_every_uncustomised_type_in_it() -> None:
    template = (
        base()
        .gateway_response("DEFAULT_4XX", status="400", parameters={"X-Family": "'4xx'"})
        .gateway_response("DEFAULT_5XX", status="500")
        .build()
    )
    with running_gateway(template) as gateway:
        missing = gateway.client.get(gateway.url + "/nope")
        assert missing.status_code == 400
        assert missing.headers["X-Family"] == "4xx"
        assert missing.content == b'{"message":"Missing Authentication Token"}'
        assert missing.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
        failed = gateway.client.get(gateway.url + "/fails")
        assert failed.status_code == 500


def test_specific_type_replaces_the_family_and_sets_status_and_template() -> None:
    template = (
        base()
        .gateway_response("DEFAULT_4XX", parameters={"X-Family": "'4xx'"})
        .gateway_response(
            "MISSING_AUTHENTICATION_TOKEN",
            status="404",
            parameters={
                "Access-Control-Allow-Origin": "method.request.header.Origin",
                "X-Path": "method.request.path.id",
                "X-Query": "method.request.querystring.q",
            },
            templates={
                "application/json": (
                    '{"error": $context.error.messageString, "type": '
                    '"$context.error.responseType", "raw": "$context.error.message", '
                    '"stage": "$context.stage", "id": "$context.requestId"}'
                )
            },
        )
        .build()
    )
    with running_gateway(template) as gateway:
        response = gateway.client.get(gateway.url + "/nope?q=1", headers=ORIGIN)
        assert response.status_code == 404
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
        assert response.headers["X-Query"] == "1"
        assert "X-Path" not in response.headers  # no such path parameter: no header
        assert "X-Family" not in response.headers  # replaced, not merged
        body = json.loads(response.content)
        assert body == {
            "error": "Missing Authentication Token",
            "type": "MISSING_AUTHENTICATION_TOKEN",
            "raw": "Missing Authentication Token",
            "stage": "dev",
            "id": response.headers["x-amzn-RequestId"],
        }
        no_origin = gateway.client.get(gateway.url + "/nope")
        assert "access-control-allow-origin" not in no_origin.headers


def test_template_variables_are_substituted_raw() -> None:
    template = (
        base()
        .gateway_response(
            "MISSING_AUTHENTICATION_TOKEN",
            templates={"application/json": '{"type": $context.error.responseType}'},
        )
        .build()
    )
    with running_gateway(template) as gateway:
        response = gateway.client.get(gateway.url + "/nope")
        assert (
            response.content == b'{"type": MISSING_AUTHENTICATION_TOKEN}'
        )  # invalid JSON, as on AWS


def values() -> RequestValues:
    return RequestValues({"Origin": "o"}, {}, {}, {}, {}, {}, {})


@pytest.mark.parametrize("type_name", sorted(RESPONSE_TYPES))
def test_every_type_renders_its_default(type_name: str) -> None:
    rendered = GatewayResponses({}).render(type_name, values(), {})
    response_type = RESPONSE_TYPES[type_name]
    assert rendered.status == response_type.status
    assert rendered.error_type == response_type.error_type
    assert rendered.content_type == "application/json"
    assert rendered.headers == ()
    body = json.loads(rendered.body)
    key = "Message" if type_name == "ACCESS_DENIED" else "message"
    assert body == {key: response_type.message}


def test_default_statuses_and_bodies() -> None:
    responses = GatewayResponses({})
    expected = {
        "UNAUTHORIZED": (401, b'{"message":"Unauthorized"}'),
        "ACCESS_DENIED": (403, b'{"Message":"User is not authorized to access this resource"}'),
        "AUTHORIZER_CONFIGURATION_ERROR": (500, b'{"message": null}'),
        "INTEGRATION_TIMEOUT": (504, b'{"message": "Endpoint request timed out"}'),
        "REQUEST_TOO_LARGE": (413, b'{"message": "Request Too Long"}'),
        "THROTTLED": (429, b'{"message":"Too Many Requests"}'),
        "UNSUPPORTED_MEDIA_TYPE": (415, b'{"message":"Unsupported Media Type"}'),
        "LAMBDA_ERROR": (502, b'{"message": "Internal server error"}'),
    }
    for type_name, (status, body) in expected.items():
        rendered = responses.render(type_name, values(), {})
        assert (rendered.status, rendered.body) == (status, body), type_name


def test_unauthorized_falls_back_to_default_4xx_and_request_too_large_cannot_be_customised() -> (
    None
):
    template = (
        base()
        .gateway_response("DEFAULT_4XX", status="400", parameters={"X-A": "'1'"})
        .gateway_response("REQUEST_TOO_LARGE", status="400", parameters={"X-B": "'2'"})
        .build()
    )
    api = build_api(template, service_dir=SERVICE_DIR, stage="dev", region="us-east-1", source="t")
    responses = GatewayResponses(api.gateway_responses)
    unauthorized = responses.render("UNAUTHORIZED", values(), {})
    assert unauthorized.status == 400
    assert unauthorized.headers == (("X-A", "1"),)
    too_large = responses.render("REQUEST_TOO_LARGE", values(), {})
    assert too_large.status == 413
    assert too_large.headers == ()


def test_template_chosen_by_accept_then_json() -> None:
    config_template = (
        base()
        .gateway_response(
            "MISSING_AUTHENTICATION_TOKEN",
            templates={
                "application/json": '{"j": 1}',
                "text/html": "<p>$context.error.message</p>",
            },
        )
        .build()
    )
    with running_gateway(config_template) as gateway:
        html = gateway.client.get(gateway.url + "/x", headers={"Accept": "text/html,*/*"})
        assert html.headers["content-type"] == "text/html"
        assert html.text == "<p>Missing Authentication Token</p>"
        other = gateway.client.get(gateway.url + "/x", headers={"Accept": "image/png"})
        assert other.headers["content-type"] == "application/json"
        assert other.text == '{"j": 1}'


def test_parameter_source_parsing() -> None:
    assert ParameterSource.parse("'*'") == ParameterSource("static", "*")
    assert ParameterSource.parse("method.request.header.Origin") == ParameterSource(
        "header", "Origin"
    )
    with pytest.raises(ValueError, match="invalid mapping expression 'true'"):
        ParameterSource.parse("true")
