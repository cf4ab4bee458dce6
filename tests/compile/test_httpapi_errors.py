"""Every httpApi configuration Serverless v3.40 refuses (../shared/sls3-httpapi/README.md) is one
clear error `serverless.yml:LINE:COL: error: ...` with the framework's meaning, and the exit
status 1 of `corsway package`; where the framework crashes, corsway says what is valid."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from corsway.cli.main import cli

HEAD = """\
service: errors
provider:
  name: aws
  runtime: nodejs18.x
"""

ONE_ROUTE = """\
functions:
  f:
    handler: handler.handler
    events:
      - httpApi: 'GET /a'
"""


def route(body: str) -> str:
    """Function f with one object-form httpApi event (its properties indented by 10)."""
    return "functions:\n  f:\n    handler: handler.handler\n    events:\n      - httpApi:\n" + (
        textwrap.indent(textwrap.dedent(body), " " * 10)
    )


# name -> (serverless.yml, the error line); the framework's own message in the comment
CASES: dict[str, tuple[str, str]] = {
    # Cannot setup CORS rules for externally configured HTTP API
    "external-api-with-cors": (
        HEAD + "  httpApi:\n    id: abc123\n    cors: true\n" + ONE_ROUTE,
        "serverless.yml:7:5: error: provider.httpApi.cors cannot be set with provider.httpApi.id:"
        " the CORS settings of an external HTTP API belong to that API, not to this service "
        '(Serverless: "Cannot setup CORS rules for externally configured HTTP API")',
    ),
    # Cannot setup authorizers for externally configured HTTP API
    "external-api-with-authorizers": (
        HEAD
        + "  httpApi:\n    id: abc123\n    authorizers:\n      j:\n"
        + "        identitySource: $request.header.Authorization\n"
        + "        issuerUrl: https://issuer.example.com\n        audience: a\n"
        + ONE_ROUTE,
        "serverless.yml:7:5: error: provider.httpApi.authorizers cannot be set with "
        "provider.httpApi.id: an external HTTP API's authorizers are created with that API; "
        "reference one from a route with authorizer: {id: <authorizer id>} (Serverless: "
        '"Cannot setup authorizers for externally configured HTTP API")',
    ),
    # Cannot setup access logs for externally configured HTTP API
    "external-api-with-logs": (
        HEAD + "  logs:\n    httpApi: true\n  httpApi:\n    id: abc123\n" + ONE_ROUTE,
        "serverless.yml:6:5: error: provider.logs.httpApi cannot be set with provider.httpApi.id:"
        " access logs of an external HTTP API are configured on that API's stage, not by this "
        'service (Serverless: "Cannot setup access logs for externally configured HTTP API")',
    ),
    # Event references not configured authorizer 'nope'
    "authorizer-not-configured": (
        HEAD + route("method: GET\npath: /a\nauthorizer: nope\n"),
        "serverless.yml:12:23: error: the authorizer 'nope' is not configured: define it under "
        "provider.httpApi.authorizers (none is configured)",
    ),
    "aws-iam-written-as-a-name": (
        HEAD
        + "  httpApi:\n    authorizers:\n      jwt:\n"
        + "        identitySource: $request.header.Authorization\n"
        + "        issuerUrl: https://issuer.example.com\n        audience: a\n"
        + route("method: GET\npath: /a\nauthorizer: aws_iam\n"),
        "serverless.yml:18:23: error: the authorizer 'aws_iam' is not configured: define it "
        "under provider.httpApi.authorizers (configured: jwt) (for IAM authorization write "
        "authorizer: {type: aws_iam})",
    ),
    # When configuring authorizer with type: "aws_iam", all other properties are not supported.
    "aws-iam-with-scopes": (
        HEAD + route("method: GET\npath: /a\nauthorizer:\n  type: aws_iam\n  scopes: [a]\n"),
        "serverless.yml:14:13: error: an aws_iam route authorizer takes no other properties: "
        "remove scopes (IAM authorization has no authorizer resource and no scopes)",
    ),
    # Either "functionArn" or "functionName" (not both) property needs to be set on ...
    "request-authorizer-with-both": (
        HEAD
        + "  httpApi:\n    authorizers:\n      r:\n        type: request\n"
        + "        functionName: f\n"
        + "        functionArn: arn:aws:lambda:us-east-1:123456789012:function:auth\n"
        + ONE_ROUTE,
        "serverless.yml:10:9: error: the request authorizer 'r' has both functionName and "
        "functionArn: keep one (functionName for a function of this service, functionArn for "
        "any other)",
    ),
    # Either "functionArn" or "functionName" property needs to be set on authorizer "r"
    "request-authorizer-with-neither": (
        HEAD + "  httpApi:\n    authorizers:\n      r:\n        type: request\n" + ONE_ROUTE,
        "serverless.yml:7:7: error: the request authorizer 'r' needs the Lambda function that "
        "authorizes: functionName: <a function of this service> or functionArn: <an ARN>",
    ),
    # Function "missing" for HTTP API authorizer "r" not found in service.
    "request-authorizer-function-missing": (
        HEAD
        + "  httpApi:\n    authorizers:\n      r:\n        type: request\n"
        + "        functionName: missing\n"
        + ONE_ROUTE,
        "serverless.yml:9:23: error: the request authorizer 'r' names the function 'missing', "
        "which is not a function of this service (functions: f); for a function outside the "
        "service use functionArn",
    ),
    # Property "identitySource" has to be set on authorizer "r" when "resultTtlInSeconds" ...
    "request-authorizer-ttl-without-identity": (
        HEAD
        + "  httpApi:\n    authorizers:\n      r:\n        type: request\n"
        + "        functionName: f\n        resultTtlInSeconds: 60\n"
        + ONE_ROUTE,
        "serverless.yml:10:29: error: the request authorizer 'r' caches results "
        "(resultTtlInSeconds: 60) but has no identitySource: API Gateway caches by the identity "
        "sources, so add one (e.g. identitySource: $request.header.Authorization) or set "
        "resultTtlInSeconds: 0",
    ),
    # Duplicate route 'GET /a' configuration in function g for httpApi event in serverless.yml
    "duplicate-route": (
        HEAD
        + ONE_ROUTE
        + "  g:\n    handler: handler.handler\n    events:\n      - httpApi:\n"
        + "          method: get\n          path: /a\n",
        "serverless.yml:15:17: error: the route 'GET /a' is already defined by "
        "functions.f.events[0] (function f); each method and path may have one route only",
    ),
    # Missing "method" property in function f for httpApi event in serverless.yml
    "object-without-method": (
        HEAD + route("path: /a\n"),
        "serverless.yml:9:9: error: this httpApi event has no method: add method: GET (or any of"
        " ANY, GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, or '*' for any method)",
    ),
    # Invalid "path" property in function f for httpApi event in serverless.yml
    "star-path-with-a-method": (
        HEAD + route("method: GET\npath: '*'\n"),
        "serverless.yml:11:17: error: the path '*' is the catch-all $default route, which takes "
        "every method: remove method: GET (or write method: '*'), or give a real path like "
        "/{proxy+} for a method-specific catch-all",
    ),
    # (schema warning, then) Invalid "method" property in function f for httpApi event ...
    "invalid-method": (
        HEAD + route("method: FETCH\npath: /a\n"),
        "serverless.yml:10:19: error: functions.f.events[0].httpApi.method: 'FETCH' is not an "
        "HTTP API method: use one of ANY, GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE or '*' "
        '(any method); Serverless v3.40 refuses it (Invalid "method" property)',
    ),
    # Event references external authorizer 'abc', but httpApi is part of the current stack.
    "external-authorizer-without-external-api": (
        HEAD + route("method: GET\npath: /a\nauthorizer:\n  id: abc\n  type: jwt\n"),
        "serverless.yml:13:17: error: the authorizer id 'abc' refers to an authorizer of an "
        "external HTTP API, but this service creates its own HTTP API (no provider.httpApi.id): "
        "configure the authorizer under provider.httpApi.authorizers and reference it by name",
    ),
    # (unsupported configuration format, then) When configuring an authorizer with type: "jwt",
    # property "id" or "name" has to be specified.
    "authorizer-without-name-or-id": (
        HEAD + route("method: GET\npath: /a\nauthorizer:\n  scopes: [a]\n"),
        "serverless.yml:13:13: error: this route authorizer has neither name nor id: name one of "
        "provider.httpApi.authorizers (none is configured), or write {type: aws_iam} for IAM "
        "authorization (Serverless v3.40 refuses it too)",
    ),
    # TypeError: object null is not iterable (the framework destructures a failed match)
    "string-path-without-slash": (
        HEAD + "functions:\n  f:\n    handler: handler.handler\n    events:\n"
        "      - httpApi: 'GET users'\n",
        "serverless.yml:9:18: error: functions.f.events[0].httpApi: 'GET users' is not an "
        "httpApi route: the path must start with /: write 'GET /users' (Serverless v3.40 "
        "crashes on this value with a TypeError)",
    ),
    "string-with-unknown-method": (
        HEAD + "functions:\n  f:\n    handler: handler.handler\n    events:\n"
        "      - httpApi: 'FETCH /a'\n",
        "serverless.yml:9:18: error: functions.f.events[0].httpApi: 'FETCH /a' is not an httpApi "
        "route: FETCH is not an HTTP API method (use one of ANY, GET, POST, PUT, PATCH, OPTIONS, "
        "HEAD, DELETE) (Serverless v3.40 crashes on this value with a TypeError)",
    ),
    "string-without-path": (
        HEAD + "functions:\n  f:\n    handler: handler.handler\n    events:\n"
        "      - httpApi: GET\n",
        "serverless.yml:9:18: error: functions.f.events[0].httpApi: 'GET' is not an httpApi "
        "route: write 'METHOD /path' with one space (e.g. 'GET /users', 'ANY /{proxy+}'), or '*' "
        "for the catch-all $default route; METHOD is one of ANY, GET, POST, PUT, PATCH, OPTIONS, "
        "HEAD, DELETE (Serverless v3.40 crashes on this value with a TypeError)",
    ),
    "both-aliases": (
        HEAD + "functions:\n  f:\n    handler: handler.handler\n    snapStart: true\n"
        "    provisionedConcurrency: 1\n    events:\n      - httpApi: 'GET /a'\n",
        'serverless.yml:9:5: error: function "f" has both snapStart and provisionedConcurrency; '
        "Lambda does not support provisioned concurrency on SnapStart functions: remove one",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_rejected_configuration_is_one_clear_error(tmp_path: Path, name: str) -> None:
    text, error = CASES[name]
    (tmp_path / "serverless.yml").write_text(text)
    result = CliRunner().invoke(cli, ["package", str(tmp_path)])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [error]
    assert "Traceback" not in result.output
