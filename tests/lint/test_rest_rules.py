"""Each REST API rule: a service that breaks it (the finding's line and column checked) and a
near-identical one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.lint.support import findings, where, write_service

# Line 6 of every service is the first line under `functions:` (support.HEADER has 5 lines).
GET_ITEMS = """\
  items:
    handler: handler.handler
    events:
      - http:
          path: items
          method: get
          cors: {cors}
"""

GATEWAY_5XX = """\
resources:
  Resources:
    Crash:
      Type: AWS::ApiGateway::GatewayResponse
      Properties:
        ResponseParameters:
          gatewayresponse.header.Access-Control-Allow-Origin: "'*'"
        ResponseType: DEFAULT_5XX
        RestApiId: {Ref: ApiGatewayRestApi}
"""


def cors_object(**settings: str) -> str:
    return "".join(f"\n            {key}: {value}" for key, value in settings.items())


def test_cw001_star_with_credentials(tmp_path: Path) -> None:
    write_service(tmp_path, GET_ITEMS.format(cors=cors_object(allowCredentials="true")))
    assert where(findings(tmp_path, "CW001")) == ["serverless.yml:13:31"]
    assert findings(tmp_path, "CW001")[0].severity == "error"
    write_service(
        tmp_path,
        GET_ITEMS.format(
            cors=cors_object(origin="https://app.example.com", allowCredentials="true")
        ),
    )
    assert findings(tmp_path, "CW001") == []


def test_cw002_origin_lost_when_a_path_merges(tmp_path: Path) -> None:
    second = """\
  more:
    handler: handler.handler
    events:
      - http:
          path: items
          method: put
          cors:
            origin: {origin}
"""
    write_service(
        tmp_path,
        GET_ITEMS.format(cors=cors_object(origin="https://a.example.com"))
        + second.format(origin="https://b.example.com"),
    )
    assert where(findings(tmp_path, "CW002")) == ["serverless.yml:13:21"]
    write_service(
        tmp_path,
        GET_ITEMS.format(cors=cors_object(origin="https://a.example.com"))
        + second.format(origin="https://a.example.com"),
    )
    assert findings(tmp_path, "CW002") == []


AUTHORIZED = """\
  auth:
    handler: handler.auth
  items:
    handler: handler.handler
    events:
      - http:
          path: items
          method: get
          cors: true
          authorizer: auth
"""


def test_cw003_authorizer_refusals_without_cors_headers(tmp_path: Path) -> None:
    write_service(tmp_path, AUTHORIZED)
    found = findings(tmp_path, "CW003")
    assert where(found) == ["serverless.yml:15:23"]
    assert found[0].severity == "error" and found[0].fix is not None
    default_4xx = GATEWAY_5XX.replace("DEFAULT_5XX", "DEFAULT_4XX")
    write_service(tmp_path, AUTHORIZED, extra=default_4xx)
    assert findings(tmp_path, "CW003") == []


def test_cw004_a_method_without_cors_on_a_path_with_cors(tmp_path: Path) -> None:
    delete = """\
  remove:
    handler: handler.handler
    events:
      - http:
          path: items
          method: {method}
"""
    write_service(tmp_path, GET_ITEMS.format(cors="true") + delete.format(method="delete"))
    found = findings(tmp_path, "CW004")
    assert where(found) == ["serverless.yml:18:19"]
    assert "Method DELETE is not allowed" in found[0].message
    # POST is CORS-safelisted: the preflight does not have to list it.
    write_service(tmp_path, GET_ITEMS.format(cors="true") + delete.format(method="post"))
    assert findings(tmp_path, "CW004") == []


NO_HEADERS_JS = """\
'use strict';
module.exports.handler = async () => ({ statusCode: 200, body: '{}' });
"""
NO_HEADERS_PY = """\
import json


def handler(event, context):
    body = json.dumps({"ok": True})
    return {"statusCode": 200, "body": body}
"""


def test_cw005_node_handler_without_allow_origin(tmp_path: Path) -> None:
    write_service(tmp_path, GET_ITEMS.format(cors="true"), files={"handler.js": NO_HEADERS_JS})
    assert where(findings(tmp_path, "CW005")) == ["handler.js:2:8"]
    write_service(tmp_path, GET_ITEMS.format(cors="true"))
    assert findings(tmp_path, "CW005") == []


def test_cw005_python_handler_without_allow_origin(tmp_path: Path) -> None:
    write_service(
        tmp_path,
        GET_ITEMS.format(cors="true"),
        runtime="python3.11",
        files={"handler.py": NO_HEADERS_PY},
    )
    assert where(findings(tmp_path, "CW005")) == ["handler.py:4:1"]
    write_service(tmp_path, GET_ITEMS.format(cors="true"), runtime="python3.11")
    assert findings(tmp_path, "CW005") == []


@pytest.mark.parametrize(
    "source",
    [
        "from lambda_decorators import cors_headers\n\n@cors_headers\n"
        "def handler(event, context):\n    return {'statusCode': 200}\n",
        "from corsway.aws import cors\n\n@cors(origins=['https://a.example.com'])\n"
        "def handler(event, context):\n    return {'statusCode': 200}\n",
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig\n"
        "app = APIGatewayRestResolver(cors=CORSConfig(allow_origin='https://a.example.com'))\n\n"
        "def handler(event, context):\n    return app.resolve(event, context)\n",
        "from responses import ok\n\ndef handler(event, context):\n    return ok({})\n",
        "from mangum import Mangum\nfrom app import api\n\nhandler = Mangum(api)\n",
    ],
    ids=["lambda-decorators", "corsway", "powertools", "local-helper", "asgi-adapter"],
)
def test_cw005_python_helpers_and_unknowns_are_not_reported(tmp_path: Path, source: str) -> None:
    files = {
        "handler.py": source,
        "responses.py": "def ok(body):\n    return {'statusCode': 200, 'headers': "
        "{'Access-Control-Allow-Origin': '*'}, 'body': str(body)}\n",
    }
    write_service(tmp_path, GET_ITEMS.format(cors="true"), runtime="python3.11", files=files)
    assert findings(tmp_path, "CW005") == []


@pytest.mark.parametrize(
    "source",
    [
        "const middy = require('@middy/core');\nconst cors = require('@middy/http-cors');\n"
        "module.exports.handler = middy(async () => ({ statusCode: 200 })).use(cors());\n",
        "const { respond } = require('./lib/respond');\n"
        "module.exports.handler = async () => respond(200);\n",
        "const serverless = require('serverless-http');\nconst app = require('express')();\n"
        "module.exports.handler = serverless(app);\n",
    ],
    ids=["middy", "local-require", "express"],
)
def test_cw005_node_helpers_and_unknowns_are_not_reported(tmp_path: Path, source: str) -> None:
    files = {
        "handler.js": source,
        "lib/respond.js": "exports.respond = (status) => ({ statusCode: status, headers: "
        "{ 'Access-Control-Allow-Origin': '*' } });\n",
    }
    write_service(tmp_path, GET_ITEMS.format(cors="true"), files=files)
    assert findings(tmp_path, "CW005") == []


def test_cw005_a_commented_out_header_does_not_count(tmp_path: Path) -> None:
    source = NO_HEADERS_JS + "// headers: { 'Access-Control-Allow-Origin': '*' }\n"
    write_service(tmp_path, GET_ITEMS.format(cors="true"), files={"handler.js": source})
    assert where(findings(tmp_path, "CW005")) == ["handler.js:2:8"]


def test_cw008_gateway_response_without_a_rest_api(tmp_path: Path) -> None:
    schedule = """\
  job:
    handler: handler.handler
    events:
      - schedule: rate(1 hour)
"""
    extra = GATEWAY_5XX.replace("Crash", "GatewayResponseDefault4XX")
    write_service(tmp_path, schedule, extra=extra)
    assert where(findings(tmp_path, "CW008")) == ["serverless.yml:18:26"]  # the Ref
    write_service(tmp_path, GET_ITEMS.format(cors="true"), extra=extra)
    assert findings(tmp_path, "CW008") == []


def test_cw009_max_age_above_what_browsers_keep(tmp_path: Path) -> None:
    write_service(tmp_path, GET_ITEMS.format(cors=cors_object(maxAge="86400")))
    found = findings(tmp_path, "CW009")
    assert where(found) == ["serverless.yml:13:21"] and found[0].severity == "info"
    write_service(tmp_path, GET_ITEMS.format(cors=cors_object(maxAge="7200")))
    assert findings(tmp_path, "CW009") == []


def test_cw010_star_headers_with_credentials(tmp_path: Path) -> None:
    cors = cors_object(origin="https://a.example.com", headers="'*'", allowCredentials="true")
    write_service(tmp_path, GET_ITEMS.format(cors=cors))
    assert where(findings(tmp_path, "CW010")) == ["serverless.yml:14:22"]
    cors = cors_object(origin="https://a.example.com", headers="'*'")
    write_service(tmp_path, GET_ITEMS.format(cors=cors))
    assert findings(tmp_path, "CW010") == []


def test_cw010_star_headers_with_an_authorizer_reading_authorization(tmp_path: Path) -> None:
    authorized = AUTHORIZED.replace("cors: true", "cors:\n            headers: ['*']")
    write_service(tmp_path, authorized)
    found = findings(tmp_path, "CW010")
    assert where(found) == ["serverless.yml:15:22"] and found[0].fix is not None
    write_service(tmp_path, authorized.replace("['*']", "['*', Authorization]"))
    assert findings(tmp_path, "CW010") == []


def test_cw011_proxy_errors_without_a_default_5xx(tmp_path: Path) -> None:
    write_service(tmp_path, GET_ITEMS.format(cors="true"))
    found = findings(tmp_path, "CW011")
    assert where(found) == ["serverless.yml:12:11"] and found[0].severity == "info"
    write_service(tmp_path, GET_ITEMS.format(cors="true"), extra=GATEWAY_5XX)
    assert findings(tmp_path, "CW011") == []


def test_cw012_http_api_settings_on_an_http_event(tmp_path: Path) -> None:
    write_service(
        tmp_path, GET_ITEMS.format(cors=cors_object(exposedResponseHeaders="[X-Request-Id]"))
    )
    assert where(findings(tmp_path, "CW012")) == ["serverless.yml:13:13"]
    write_service(tmp_path, GET_ITEMS.format(cors=cors_object(maxAge="600")))
    assert findings(tmp_path, "CW012") == []


def test_cw013_yaml_1_1_booleans_and_lower_case_methods(tmp_path: Path) -> None:
    write_service(tmp_path, GET_ITEMS.format(cors="off"))
    found = findings(tmp_path, "CW013")
    assert where(found) == ["serverless.yml:12:17"] and found[0].fix is not None
    write_service(tmp_path, GET_ITEMS.format(cors=cors_object(methods="[get, PUT]")))
    assert where(findings(tmp_path, "CW013")) == ["serverless.yml:13:23"]
    write_service(tmp_path, GET_ITEMS.format(cors=cors_object(methods="[GET, PUT]")))
    assert findings(tmp_path, "CW013") == []


@pytest.mark.parametrize(
    ("origin", "corrected"),
    [
        ("https://app.example.com/", "https://app.example.com"),
        ("https://app.example.com/login", "https://app.example.com"),
        ("https://App.Example.com", "https://app.example.com"),
        ("https://app.example.com:443", "https://app.example.com"),
        ("app.example.com", None),
    ],
)
def test_cw014_origins_no_browser_sends(tmp_path: Path, origin: str, corrected: str | None) -> None:
    write_service(tmp_path, GET_ITEMS.format(cors=cors_object(origins=f"['{origin}']")))
    found = findings(tmp_path, "CW014")
    assert where(found) == ["serverless.yml:13:23"]
    assert (found[0].fix is not None) == (corrected is not None)
    if corrected:
        assert repr(corrected) in found[0].message
    good = "['https://app.example.com', 'http://localhost:3000', 'http://127.0.0.1:*']"
    write_service(tmp_path, GET_ITEMS.format(cors=cors_object(origins=good)))
    assert findings(tmp_path, "CW014") == []


def test_cw100_values_serverless_only_warns_about(tmp_path: Path) -> None:
    write_service(tmp_path, GET_ITEMS.format(cors="true"), runtime="nodejs6.10")
    assert where(findings(tmp_path, "CW100")) == ["serverless.yml:4:12"]
    write_service(tmp_path, GET_ITEMS.format(cors="true"), runtime="nodejs20.x")
    assert findings(tmp_path, "CW100") == []


STAR_WITH_CREDENTIALS_JS = """\
'use strict';
module.exports.handler = async () => ({
  statusCode: 200,
  headers: {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Credentials': true,
  },
});
"""


def test_cw101_star_answer_on_a_route_that_allows_credentials(tmp_path: Path) -> None:
    cors = cors_object(origins="['https://a.example.com']", allowCredentials="true")
    files = {"handler.js": STAR_WITH_CREDENTIALS_JS}
    write_service(tmp_path, GET_ITEMS.format(cors=cors), files=files)
    assert where(findings(tmp_path, "CW101")) == ["handler.js:6:5"]
    # Without credentials on the route, the header is merely useless: not reported.
    write_service(tmp_path, GET_ITEMS.format(cors="true"), files=files)
    assert findings(tmp_path, "CW101") == []


def test_cw102_origin_read_in_one_spelling(tmp_path: Path) -> None:
    one = (
        "def handler(event, context):\n"
        "    origin = event['headers']['origin']\n"
        "    return {'statusCode': 200, 'headers': {'Access-Control-Allow-Origin': origin}}\n"
    )
    write_service(
        tmp_path, GET_ITEMS.format(cors="true"), runtime="python3.11", files={"handler.py": one}
    )
    assert where(findings(tmp_path, "CW102")) == ["handler.py:2:14"]
    both = one.replace(
        "event['headers']['origin']",
        "{k.lower(): v for k, v in event['headers'].items()}.get('origin')",
    )
    write_service(
        tmp_path, GET_ITEMS.format(cors="true"), runtime="python3.11", files={"handler.py": both}
    )
    assert findings(tmp_path, "CW102") == []
