"""Every quirk corsway reproduces is reported as a warning pointing at the line that causes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from corsway.compile import compile_service
from tests.compile.support import compile_text, warnings_of

EXPECTED: dict[str, list[str]] = {
    "cors-merge-origins": [
        "serverless.yml:27:21: warning CW002 cors.origin 'https://single.example.com' is silently "
        "dropped: on /mixed another event has an origins list, and the preflight allows "
        "'https://a.example.com' (plus the list's patterns) instead; list this origin under "
        "origins: too",
        "serverless.yml:35:21: warning CW002 cors.origin 'https://first.example.com' is silently "
        "dropped: on /lastorigins another event has an origins list, and the preflight allows "
        "'https://c.example.com' (plus the list's patterns) instead; list this origin under "
        "origins: too",
    ],
    "cors-merge-same-path": [
        "serverless.yml:26:21: warning CW002 cors.origin 'https://one.example.com' is replaced: on "
        "/items the preflight takes the origin of the last event with cors "
        "('https://two.example.com'), so a browser on this origin fails the preflight; use "
        "origins: [...] on every event of the path"
    ],
    "cors-maxage-cachecontrol-methods": [
        "serverless.yml:47:13: warning CW012 functions.httpApiKeys.events[0].http.cors."
        "exposedResponseHeaders: unrecognized property 'exposedResponseHeaders' (http (REST "
        "API) events cannot add Access-Control-Expose-Headers; the function must return that "
        "header itself); Serverless v3.40 only warns and ignores it",
        "serverless.yml:49:13: warning CW012 "
        "functions.httpApiKeys.events[0].http.cors.allowedOrigins:"
        " unrecognized property 'allowedOrigins' (http events have no such cors setting; it is "
        "an httpApi one); Serverless v3.40 only warns and ignores it",
    ],
    "cors-nonproxy-integrations": [
        "serverless.yml:27:15: warning CW013 with integration AWS, Serverless puts all cors "
        "origins "
        "into one Access-Control-Allow-Origin response header "
        "('https://a.example.com,https://b.example.com'), which no browser accepts; the "
        "function's responses need a single origin",
        "serverless.yml:29:31: warning CW013 with integration AWS, Serverless maps "
        "Access-Control-Allow-Credentials to the unquoted value true (not the static 'true'); "
        "API Gateway may reject that mapping when the stack deploys",
    ],
    "cors-origins-edge": [
        "serverless.yml:47:17: warning CW013 "
        "functions.lowerMethods.events[0].http.cors.methods[0]: "
        "'get' is not one of the allowed values [GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, "
        "ANY] (it goes into Access-Control-Allow-Methods exactly as written, and browsers "
        "compare methods case-sensitively); Serverless v3.40 only warns and compiles the value "
        "as written",
        "serverless.yml:48:17: warning CW013 "
        "functions.lowerMethods.events[0].http.cors.methods[1]: "
        "'post' is not one of the allowed values [GET, POST, PUT, PATCH, OPTIONS, HEAD, DELETE, "
        "ANY] (it goes into Access-Control-Allow-Methods exactly as written, and browsers "
        "compare methods case-sensitively); Serverless v3.40 only warns and compiles the value "
        "as written",
        "serverless.yml:19:17: warning CW013 cors origin '*' inside origins becomes the pattern "
        ".+, "
        "which echoes any request Origin back",
        "serverless.yml:28:17: warning CW013 cors origin 'https://*.*.example.com': only the "
        "first * "
        "becomes a wildcard (.+); the others are regex quantifiers, so the pattern is "
        "'https://.+[.]*[.]example[.]com'",
        "serverless.yml:28:17: warning CW013 cors origin 'https://*.*.example.com' is the first of "
        "the list, so the preflight's static Access-Control-Allow-Origin is the literal "
        "'https://*.*.example.com'; a browser whose origin matches no pattern gets this value, "
        "which never matches",
        "serverless.yml:38:31: warning CW001 cors on /starcreds answers "
        "Access-Control-Allow-Origin "
        "'*' with Access-Control-Allow-Credentials 'true'; browsers reject that combination, so "
        "credentialed requests fail — name the allowed origins instead",
        "serverless.yml:62:21: warning CW002 the comma-separated cors.origin replaces the origins "
        "list merged on /commalist: 'https://list.example.com' no longer matches",
    ],
    "cors-root-and-explicit-options": [
        "serverless.yml:26:19: warning CW013 method: options on /clash collides with the preflight "
        "that cors generates there: both become ApiGatewayMethodClashOptions and Serverless "
        "merges them into one hybrid method (AWS_PROXY integration with the MOCK preflight's "
        "templates and responses), listed twice in the deployment; drop this event or the cors"
    ],
    "seed-tldr-nodejs610": [
        "serverless.yml:5:12: warning CW100 provider.runtime: 'nodejs6.10' is not one of the "
        "allowed "
        "values [dotnet6, go1.x, java21, java17, java11, java8, java8.al2, nodejs14.x, "
        "nodejs16.x, nodejs18.x, nodejs20.x, provided, provided.al2, provided.al2023, "
        "python3.7, python3.8, python3.9, python3.10, python3.11, ruby2.7, ruby3.2]; "
        "Serverless v3.40 only warns and compiles the value as written"
    ],
    "provider-apigateway": [
        "serverless.yml:33:20: warning CW003 GET /private/thing has cors and needs an API key: "
        "when "
        "API Gateway itself refuses a call (401/403), the response has no CORS headers, so the "
        "browser shows a CORS error instead of the status; add an "
        "AWS::ApiGateway::GatewayResponse for DEFAULT_4XX with "
        "gatewayresponse.header.Access-Control-Allow-Origin to resources"
    ],
    "yaml-semantics": [
        "serverless.yml:25:20: warning CW013 functions.hello.events[0].http.private: 'yes' is a "
        "string, not a boolean, in YAML 1.2 (which Serverless reads); Serverless v3.40 warns and "
        "treats the non-empty string as true, which happens to match the intent — write true",
        "serverless.yml:26:17: warning CW013 functions.hello.events[0].http.cors: 'off' is a "
        "string, "
        "not a boolean, in YAML 1.2 (which Serverless reads); Serverless v3.40 warns and treats "
        "the non-empty string as true, so it means the OPPOSITE of what it says — write false",
        "serverless.yml:9:10: warning: provider.stage is 'prod' but the stage in use is 'dev' "
        "(--stage wins); any ${self:provider.stage} in the file resolved to 'prod', while "
        "${sls:stage} gives 'dev'",
        "serverless.yml:33:31: warning CW001 cors on /other answers Access-Control-Allow-Origin "
        "'*' "
        "with Access-Control-Allow-Credentials 'true'; browsers reject that combination, so "
        "credentialed requests fail — name the allowed origins instead",
    ],
    "integrations-and-validators": [
        "serverless.yml:25:15: warning CW100 functions.stringForm.events[1].http: 'POST "
        "string/form' "
        "is not 'METHOD /path' (e.g. 'GET /items'); Serverless v3.40 only warns and compiles "
        "the value as written",
        "serverless.yml:37:31: warning CW013 with integration AWS, Serverless maps "
        "Access-Control-Allow-Credentials to the unquoted value true (not the static 'true'); "
        "API Gateway may reject that mapping when the stack deploys",
        "serverless.yml:33:20: warning CW003 POST /lambda/custom has cors and needs an API key: "
        "when "
        "API Gateway itself refuses a call (401/403), the response has no CORS headers, so the "
        "browser shows a CORS error instead of the status; add an "
        "AWS::ApiGateway::GatewayResponse for DEFAULT_4XX with "
        "gatewayresponse.header.Access-Control-Allow-Origin to resources",
    ],
    "resources-and-extensions": [
        "serverless.yml:47:5: warning CW100 resources.Resources.ApiGatewayRestApi: must have the "
        "property 'Type'; Serverless v3.40 only warns and compiles the value as written"
    ],
    # configurations without quirks stay quiet
    "seed-tldr": [],
    "authorizers": [],
    "cors-object-detailed": [],
    "nested-paths-proxy": [],
    "variables": [],
}


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_case_warnings_have_text_and_line(case: str) -> None:
    assert warnings_of(case) == EXPECTED[case]


HEADER = """\
service: quirks
provider:
  name: aws
  runtime: nodejs18.x
functions:
"""


def test_any_expanding_into_duplicate_methods(tmp_path: Path) -> None:
    warnings = compile_text(
        tmp_path,
        HEADER
        + """\
  f:
    handler: h.main
    events:
      - http:
          path: things
          method: any
          cors:
            methods: [GET, ANY]
""",
    )
    assert warnings == [
        "serverless.yml:11:19: warning CW013 ANY expands to DELETE,GET,HEAD,PATCH,POST,PUT in the "
        "preflight of /things, which repeats GET ('GET,DELETE,GET,HEAD,PATCH,POST,PUT,OPTIONS')"
    ]


def test_an_empty_origins_list_leaves_the_origin_undefined(tmp_path: Path) -> None:
    warnings = compile_text(
        tmp_path,
        HEADER
        + """\
  f:
    handler: h.main
    events:
      - http:
          path: nothing
          method: get
          cors:
            origins: []
""",
    )
    assert warnings == [
        "serverless.yml:13:22: warning CW013 the preflight of /nothing answers "
        "Access-Control-Allow-Origin 'undefined': the last event with cors has an empty origins "
        "list, which drops the default '*' without naming an origin; list the allowed origins"
    ]
    compiled = compile_service(tmp_path, env={})
    preflight = compiled.template["Resources"]["ApiGatewayMethodNothingOptions"]
    parameters = preflight["Properties"]["Integration"]["IntegrationResponses"][0]
    assert (
        parameters["ResponseParameters"]["method.response.header.Access-Control-Allow-Origin"]
        == "'undefined'"
    )


def test_the_same_endpoint_twice_and_events_left_out(tmp_path: Path) -> None:
    warnings = compile_text(
        tmp_path,
        HEADER
        + """\
  f:
    handler: h.main
    events:
      - http: GET /twice
      - schedule: rate(1 minute)
  g:
    handler: h.main
    url: true
    events:
      - http: GET /twice
plugins:
  - serverless-offline
""",
    )
    assert warnings == [
        "serverless.yml:13:5: warning: functions.g.url: corsway does not compile Lambda function "
        "URLs; the template leaves out what Serverless would add for it",
        "serverless.yml:15:15: warning CW013 GET /twice is defined twice: both events become "
        "ApiGatewayMethodTwiceGet and Serverless merges them into one method (the later event's "
        "integration wins, merged key by key into the earlier one)",
        "serverless.yml:10:9: warning: corsway compiles http and httpApi events only; this "
        "schedule event of function 'f' is left out of the template",
        "serverless.yml:16:1: warning: plugins are not run by corsway (serverless-offline); "
        "whatever they add to the template is missing",
    ]


def test_proxy_integrations_drop_request_and_response_settings(tmp_path: Path) -> None:
    warnings = compile_text(
        tmp_path,
        HEADER
        + """\
  f:
    handler: h.main
    events:
      - http:
          path: p
          method: post
          request:
            template:
              application/json: '{}'
          response:
            headers:
              X-A: "'a'"
      - http:
          path: m
          method: get
          integration: mock
""",
    )
    assert warnings == [
        "serverless.yml:13:13: warning CW013 request.template has no effect with the AWS_PROXY "
        "integration (only request.parameters, request.schema, request.schemas apply); "
        "Serverless drops it",
        "serverless.yml:15:11: warning CW013 response has no effect with the AWS_PROXY integration "
        "(the function sends the whole response); Serverless drops it",
        "serverless.yml:21:24: warning CW013 integration: mock without response: the method gets "
        "no "
        "method or integration responses, so API Gateway answers every call with a 500 error; "
        "add response.statusCodes",
    ]


def test_cloudformation_references_outside_sub_stay_literal(tmp_path: Path) -> None:
    warnings = compile_text(
        tmp_path,
        HEADER
        + """\
  f:
    handler: h.main
    environment:
      REGION: ${AWS::Region}
      FINE: !Sub '${AWS::Region}'
""",
    )
    assert warnings == [
        "serverless.yml:9:15: warning CW013 ${AWS::Region} is not a Serverless variable, so it "
        "stays "
        "as written, and CloudFormation substitutes it only inside Fn::Sub (!Sub); this value "
        "reaches AWS literally as '${AWS::Region}'"
    ]


def test_authorizer_with_cors_but_no_gateway_responses(tmp_path: Path) -> None:
    body = (
        HEADER
        + """\
  auth:
    handler: h.auth
  f:
    handler: h.main
    events:
      - http:
          path: secret
          method: get
          cors: true
          authorizer: auth
"""
    )
    assert compile_text(tmp_path, body) == [
        "serverless.yml:15:23: warning CW003 GET /secret has cors and needs an authorizer: when "
        "API "
        "Gateway itself refuses a call (401/403), the response has no CORS headers, so the "
        "browser shows a CORS error instead of the status; add an "
        "AWS::ApiGateway::GatewayResponse for DEFAULT_4XX with "
        "gatewayresponse.header.Access-Control-Allow-Origin to resources"
    ]
    # A 401 response without Access-Control-Allow-Origin, and no 403 one: still unreadable.
    unauthorized_only = body + (
        "resources:\n  Resources:\n    Unauthorized:\n"
        "      Type: AWS::ApiGateway::GatewayResponse\n      Properties:\n"
        "        ResponseType: UNAUTHORIZED\n        RestApiId: {Ref: ApiGatewayRestApi}\n"
    )
    assert len(compile_text(tmp_path, unauthorized_only)) == 1
    origin = (
        "        ResponseParameters:\n"
        "          gatewayresponse.header.Access-Control-Allow-Origin: \"'*'\"\n"
    )
    both = (
        unauthorized_only
        + origin
        + (
            "    Denied:\n      Type: AWS::ApiGateway::GatewayResponse\n      Properties:\n"
            "        ResponseType: ACCESS_DENIED\n        RestApiId: {Ref: ApiGatewayRestApi}\n"
        )
    )
    assert len(compile_text(tmp_path, both)) == 1  # ACCESS_DENIED lacks the header
    assert compile_text(tmp_path, both + origin) == []
    default = body + (
        "resources:\n  Resources:\n    Default4xx:\n"
        "      Type: AWS::ApiGateway::GatewayResponse\n      Properties:\n"
        "        ResponseType: DEFAULT_4XX\n        RestApiId: {Ref: ApiGatewayRestApi}\n"
    )
    assert compile_text(tmp_path, default + origin) == []


def test_validation_mode_error_turns_schema_warnings_into_errors(tmp_path: Path) -> None:
    from corsway.errors import CorswayError

    body = HEADER.replace("nodejs18.x", "nodejs6.10") + "  f:\n    handler: h.main\n"
    assert len(compile_text(tmp_path, body)) == 1
    assert compile_text(tmp_path, "configValidationMode: off\n" + body) == []
    with pytest.raises(CorswayError) as caught:
        compile_text(tmp_path, "configValidationMode: error\n" + body)
    assert str(caught.value).startswith(
        "serverless.yml:5:12: error: provider.runtime: 'nodejs6.10' is not one of the allowed"
    )
