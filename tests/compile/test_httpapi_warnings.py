"""Every HTTP API warning names the line of the value at fault, and correct configurations
get none: the framework's own warnings (schema, timeouts, deprecation) and corsway's for what
the framework packages but AWS refuses at deploy or what breaks CORS in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.compile.sls3cases import CASES, case_dir
from tests.compile.support import compile_text, warnings_of

HTTP_API_CASES = [case for case in CASES if case.startswith("httpapi-")]

# The warnings of each httpApi parity case; a case not listed compiles without any.
EXPECTED: dict[str, list[str]] = {
    "httpapi-accepted-oddities": [
        "serverless.yml:14:22: warning CW100 provider.httpApi.useProviderTags: must be true; "
        "Serverless v3.40 only warns and compiles the value as written",
        'serverless.yml:15:14: warning: provider.httpApi.payload: payload "3.0": API Gateway '
        "accepts only '1.0' and '2.0' as PayloadFormatVersion; Serverless v3.40 compiles it "
        "as written and the deploy fails",
        "serverless.yml:21:7: warning: provider.httpApi.authorizers.halfJwt: a JWT "
        "authorizer needs identitySource, issuerUrl and audience; Serverless v3.40 only "
        "warns and compiles an authorizer that AWS refuses (missing 'issuerUrl')",
        "serverless.yml:21:7: warning: provider.httpApi.authorizers.halfJwt: a JWT "
        "authorizer needs identitySource, issuerUrl and audience; Serverless v3.40 only "
        "warns and compiles an authorizer that AWS refuses (missing 'audience')",
        "serverless.yml:24:15: warning: provider.httpApi.authorizers.upperRequest.type: "
        "'REQUEST' is not an HTTP API authorizer type: use jwt or request (lower case); "
        "Serverless v3.40 only warns and compiles this authorizer as a JWT one",
        "serverless.yml:31:14: warning CW100 functions.auth.httpApi: must be an object (payload: "
        "'1.0' or '2.0'), not boolean true; Serverless v3.40 only warns and compiles the "
        "value as written",
        "serverless.yml:37:17: warning CW100 functions.api.events[0].httpApi.path: 'users' is not "
        "a route path starting with / (or '*'), which AWS requires; Serverless v3.40 only "
        "warns and compiles the value as written",
        "serverless.yml:38:11: warning CW100 functions.api.events[0].httpApi.cors: unrecognized "
        "property 'cors' (an httpApi event takes method, path and authorizer (payload, cors "
        "and authorizers are provider.httpApi settings)); Serverless v3.40 only warns and "
        "ignores it",
        "serverless.yml:39:18: warning: functions.api.events[1].httpApi: '' is not an "
        "httpApi route, and Serverless v3.40 ignores this event (write 'METHOD /path', e.g. "
        "'GET /users')",
        "serverless.yml:18:11: warning CW103 allowedOrigins 'https://*.example.com': HTTP API "
        "CORS documents only '*', 'https://*' and 'http://*' as wildcards; a pattern like "
        "this one is undocumented (AWS may match it as written, or not at all), so list each "
        "origin instead",
        "serverless.yml:19:15: warning CW009 maxAge 100000: AWS accepts -1 to 86400 seconds for "
        "an HTTP API, so the deploy fails (browsers cap preflight caching at 2 hours or less "
        "anyway)",
        "serverless.yml:43:23: warning CW006 with provider.httpApi.cors, the authorizer of 'ANY "
        "/admin/{proxy+}' also runs on CORS preflights: API Gateway answers an OPTIONS "
        "request itself only when no route matches it, and this route matches every method, "
        "so each preflight gets a 401/403 and the browser blocks every cross-origin call; "
        "add an unauthenticated route for preflights, httpApi: 'OPTIONS /admin/{proxy+}', on "
        "a function that returns 204 (API Gateway adds the CORS headers)",
    ],
    "httpapi-cors-object-full": [
        "serverless.yml:19:11: warning CW103 allowedOrigins 'https://*.example.org': HTTP API "
        "CORS documents only '*', 'https://*' and 'http://*' as wildcards; a pattern like "
        "this one is undocumented (AWS may match it as written, or not at all), so list each "
        "origin instead",
    ],
    "httpapi-default-replaced": [
        "serverless.yml:12:14: warning: provider.httpApi.payload: this payload is a YAML "
        "number (2), which Serverless turns into the string '2' (PayloadFormatVersion: '2'); "
        "API Gateway accepts only '1.0' and '2.0', so the deploy fails: quote it (payload: "
        "'2.0')",
        "serverless.yml:23:16: warning CW100 functions.second.httpApi.payload: '3.0' is not one "
        "of the allowed values [1.0, 2.0] (API Gateway accepts only these payload format "
        "versions); Serverless v3.40 only warns and compiles the value as written",
        "serverless.yml:27:11: warning CW013 a second '*' route (the first is "
        "functions.first.events[0]): Serverless v3.40 keeps only one $default route and "
        "silently lets this one replace the first, so the $default route invokes second and "
        "the first one's function first loses it; keep one '*' route",
    ],
    "httpapi-lenient-schema": [
        "serverless.yml:10:15: warning CW100 provider.memorySize: must be an integer from 128 to "
        '10240, not string "2048MB" (CloudFormation refuses it at deploy: write 2048, '
        "without the unit); Serverless v3.40 only warns and compiles the value as written",
        "serverless.yml:28:17: warning CW100 functions.api.memorySize: must be an integer from "
        '128 to 10240, not string "1536MB" (CloudFormation refuses it at deploy: write 1536, '
        "without the unit); Serverless v3.40 only warns and compiles the value as written",
        "serverless.yml:29:14: warning CW100 functions.api.timeout: must be an integer from 1 to "
        '900, not string "10s" (CloudFormation refuses it at deploy: write 10, without the '
        "unit); Serverless v3.40 only warns and compiles the value as written",
        "serverless.yml:31:7: warning: functions.api.description: Serverless v3.40's schema "
        "wants a string here, so it warns (must be string), but it compiles this Fn::Sub as "
        "written and CloudFormation resolves it at deploy",
        "serverless.yml:33:16: warning: functions.api.httpApi.payload: this payload is a "
        "YAML number (2), which Serverless turns into the string '2' (PayloadFormatVersion: "
        "'2'); API Gateway accepts only '1.0' and '2.0', so the deploy fails: quote it "
        "(payload: '2.0')",
        "serverless.yml:41:13: warning CW100 functions.api.events[0].httpApi.authorizer.cache: "
        "unrecognized property 'cache' (an httpApi route authorizer takes name, scopes, id "
        "and type; the authorizer itself is configured under provider.httpApi.authorizers); "
        "Serverless v3.40 only warns and ignores it",
    ],
    "httpapi-logs-extensions": [
        "serverless.yml:42:5: warning CW100 resources.Resources.HttpApiRouteGetItems: must have "
        "the property 'Type'; Serverless v3.40 only warns and compiles the value as written",
        "serverless.yml:20:5: warning: provider.httpApi.useProviderTags is deprecated and "
        "has no effect: provider.tags are applied to the HTTP API anyway (Serverless v3.40 "
        "deprecation AWS_HTTP_API_USE_PROVIDER_TAGS_PROPERTY); remove it",
    ],
    "httpapi-no-cors-logs": [
        "serverless.yml:15:14: warning: function ping: timeout 30 s leaves no room within "
        "the 30 s an HTTP API waits for its integration: a call that takes the whole timeout "
        "gets a 503 (Service Unavailable) although the function succeeds (Serverless v3.40 "
        "warns about this too)",
        "serverless.yml:20:14: warning: function slow: timeout 45 s is longer than the 30 s "
        "an HTTP API waits for its integration: calls running longer get a 503 (Service "
        "Unavailable) from API Gateway although the function succeeds (Serverless v3.40 "
        "warns about this too)",
    ],
    "httpapi-path-params": [
        "serverless.yml:21:18: warning CW103 the route 'GET /trailing/' ends with /: AWS refuses "
        "route paths ending in / at deploy; write 'GET /trailing' (which API Gateway does "
        "not match to a request for /trailing/: clients call /trailing)",
    ],
    "httpapi-resources-overrides": [
        "serverless.yml:48:16: warning CW008 GatewayResponseDefault4XX references "
        "ApiGatewayRestApi, but this service has no http events, so it creates no REST API "
        "(its httpApi events make an HTTP API, HttpApi): CloudFormation refuses the template "
        "(unresolved reference). GatewayResponses belong to REST APIs; HTTP APIs have none, "
        "and their own errors carry the provider.httpApi.cors headers already: remove this "
        "resource",
    ],
    "httpapi-route-edges": [
        "serverless.yml:19:15: warning CW100 provider.httpApi.cors.maxAge: must be an integer of "
        "at least 0, not number -1; Serverless v3.40 only warns and compiles the value as "
        "written",
        "serverless.yml:13:25: warning CW001 allowCredentials: true with the origin '*': AWS "
        'refuses to create the HTTP API ("allow-credentials is not supported if '
        "'allow-origin' is *\"), so the deploy fails; list the origins that send credentials "
        "in allowedOrigins",
        "serverless.yml:25:18: warning CW103 the route 'GET /reports/' ends with /: AWS refuses "
        "route paths ending in / at deploy; write 'GET /reports' (which API Gateway does not "
        "match to a request for /reports/: clients call /reports)",
        "serverless.yml:26:18: warning CW103 the route 'GET /files/{proxy+}/meta' has the greedy "
        "variable {proxy+} before its last segment: AWS refuses it at deploy (a greedy "
        "variable must end the path)",
    ],
    "httpapi-timeouts-variables": [
        "serverless.yml:16:12: warning: function inherits: timeout 30 s leaves no room "
        "within the 30 s an HTTP API waits for its integration: a call that takes the whole "
        "timeout gets a 503 (Service Unavailable) although the function succeeds (Serverless "
        "v3.40 warns about this too)",
        "serverless.yml:31:14: warning: function slow: timeout 45 s is longer than the 30 s "
        "an HTTP API waits for its integration: calls running longer get a 503 (Service "
        "Unavailable) from API Gateway although the function succeeds (Serverless v3.40 "
        "warns about this too)",
    ],
}


@pytest.mark.parametrize("case", HTTP_API_CASES)
def test_parity_cases_warn_exactly_where_expected(case: str) -> None:
    assert warnings_of(case) == EXPECTED.get(case, [])


def test_most_parity_cases_are_correct_configurations_without_warnings() -> None:
    quiet = [case for case in HTTP_API_CASES if case not in EXPECTED]
    assert quiet == [
        "httpapi-aliases",
        "httpapi-aws-iam",
        "httpapi-catch-all",
        "httpapi-cors-object-partial",
        "httpapi-cors-true",
        "httpapi-external-api",
        "httpapi-jwt-authorizer",
        "httpapi-lambda-authorizer",
        "httpapi-mixed-http-httpapi",
        "httpapi-payload-versions",
        "httpapi-request-authorizers",
    ]


HEAD = """\
service: warns
provider:
  name: aws
  runtime: nodejs18.x
"""


def test_credentials_with_the_default_origin(tmp_path: Path) -> None:
    warnings = compile_text(
        tmp_path,
        HEAD
        + """\
  httpApi:
    cors:
      allowCredentials: true
functions:
  f:
    handler: h.main
    events:
      - httpApi: 'GET /a'
""",
    )
    assert warnings == [
        "serverless.yml:7:25: warning CW001 allowCredentials: true with the origin '*' (the "
        "default "
        'when allowedOrigins is unset): AWS refuses to create the HTTP API ("allow-credentials '
        "is not supported if 'allow-origin' is *\"), so the deploy fails; list the origins that "
        "send credentials in allowedOrigins"
    ]


def test_credentials_with_listed_origins_and_documented_wildcards_are_fine(
    tmp_path: Path,
) -> None:
    warnings = compile_text(
        tmp_path,
        HEAD
        + """\
  httpApi:
    cors:
      allowedOrigins: ['https://app.example.com', 'https://*', 'http://*']
      allowCredentials: true
      maxAge: 86400
functions:
  f:
    handler: h.main
    events:
      - httpApi: 'GET /a/{proxy+}'
      - httpApi: 'ANY /b'
      - httpApi: '*'
""",
    )
    assert warnings == []


AUTHORIZED_ANY = """\
  httpApi:
    cors: true
    authorizers:
      jwt:
        identitySource: $request.header.Authorization
        issuerUrl: https://issuer.example.com
        audience: app
functions:
  f:
    handler: h.main
    events:
      - httpApi:
          method: '*'
          path: /admin/{proxy+}
          authorizer: jwt
      - httpApi:
          path: '*'
          authorizer:
            type: aws_iam
"""


def test_any_routes_with_an_authorizer_under_cors_break_preflights(tmp_path: Path) -> None:
    warnings = compile_text(tmp_path, HEAD + AUTHORIZED_ANY)
    assert [w.split(": warning CW006 ")[0] for w in warnings] == [
        "serverless.yml:19:23",
        "serverless.yml:23:13",
    ]
    assert "the authorizer of 'ANY /admin/{proxy+}' also runs on CORS preflights" in warnings[0]
    assert "httpApi: 'OPTIONS /admin/{proxy+}'" in warnings[0]
    assert "the authorizer of the $default route ('*') also runs" in warnings[1]
    assert "httpApi: 'OPTIONS /{proxy+}'" in warnings[1]


def test_an_unauthenticated_options_route_or_no_cors_silences_it(tmp_path: Path) -> None:
    root_only = AUTHORIZED_ANY + "      - httpApi: 'OPTIONS /{proxy+}'\n"
    # OPTIONS /admin/x matches `ANY /admin/{proxy+}` before the greedy root route (the most
    # specific path wins), so only the $default route is covered
    assert [w.split(": warning CW006 ")[0] for w in compile_text(tmp_path, HEAD + root_only)] == [
        "serverless.yml:19:23"
    ]
    fixed = root_only + "      - httpApi: 'OPTIONS /admin/{proxy+}'\n"
    assert compile_text(tmp_path, HEAD + fixed) == []
    assert compile_text(tmp_path, HEAD + AUTHORIZED_ANY.replace("    cors: true\n", "")) == []
    by_resource = (
        AUTHORIZED_ANY
        + """\
resources:
  Resources:
    PreflightRoute:
      Type: AWS::ApiGatewayV2::Route
      Properties:
        ApiId: !Ref HttpApi
        RouteKey: OPTIONS /{any+}
        Target: !Join [/, [integrations, !Ref HttpApiIntegrationF]]
    AdminPreflightRoute:
      Type: AWS::ApiGatewayV2::Route
      Properties:
        ApiId: !Ref HttpApi
        RouteKey: OPTIONS /admin/{rest+}
        Target: !Join [/, [integrations, !Ref HttpApiIntegrationF]]
"""
    )
    assert compile_text(tmp_path, HEAD + by_resource) == []


def test_rest_api_references_without_a_rest_api(tmp_path: Path) -> None:
    warnings = compile_text(
        tmp_path,
        HEAD
        + """\
functions:
  f:
    handler: h.main
resources:
  Outputs: {}
  Resources:
    Stage:
      Type: AWS::ApiGateway::Stage
      Properties:
        RestApiId: x
        Description:
          Fn::Sub: stage of ${ApiGatewayRestApi}
    Root:
      Type: AWS::ApiGateway::Resource
      Properties:
        ParentId: !GetAtt ApiGatewayRestApi.RootResourceId
""",
    )
    assert warnings == [
        "serverless.yml:16:20: warning CW008 Stage references ApiGatewayRestApi, but this service "
        "has no http events, so it creates no REST API: CloudFormation refuses the template "
        "(unresolved reference). Reference an API the stack has, or remove the reference",
        "serverless.yml:20:19: warning CW008 Root references ApiGatewayRestApi, but this service "
        "has "
        "no http events, so it creates no REST API: CloudFormation refuses the template "
        "(unresolved reference). Reference an API the stack has, or remove the reference",
    ]


def test_gateway_responses_of_a_rest_service_are_fine() -> None:
    assert not [w for w in warnings_of("resources-and-extensions") if "references" in w]


def test_provider_http_api_without_http_api_events(tmp_path: Path) -> None:
    warnings = compile_text(
        tmp_path,
        HEAD
        + """\
  httpApi:
    cors: true
functions:
  f:
    handler: h.main
    events:
      - http: GET /items
""",
    )
    assert warnings == [
        "serverless.yml:5:3: warning: provider.httpApi has no effect: no function has httpApi "
        "events (http events make a REST API, configured by provider.apiGateway and each "
        "event's cors)"
    ]


def test_timeouts_that_are_no_numbers_fall_back_like_the_framework(tmp_path: Path) -> None:
    warnings = compile_text(
        tmp_path,
        HEAD
        + """\
  timeout: 31
functions:
  f:
    handler: h.main
    timeout: 10s
    events:
      - httpApi: 'GET /a'
  g:
    handler: h.main
    timeout: 29
    events:
      - httpApi: 'GET /b'
  h:
    handler: h.main
""",
    )
    assert [w.split(": warning")[0] for w in warnings] == [
        "serverless.yml:9:14",  # the schema: '10s' is no integer
        "serverless.yml:5:12",  # Number('10s') is NaN: the provider's 31 applies
    ]
    assert "function f: timeout 31 s is longer than the 30 s" in warnings[1]


def test_a_replaced_default_route_of_the_same_function(tmp_path: Path) -> None:
    warnings = compile_text(
        tmp_path,
        HEAD
        + """\
functions:
  f:
    handler: h.main
    events:
      - httpApi: '*'
      - httpApi:
          path: '*'
""",
    )
    assert warnings == [
        "serverless.yml:11:11: warning CW013 a second '*' route (the first is "
        "functions.f.events[0]): "
        "Serverless v3.40 keeps only one $default route and silently lets this one replace the "
        "first, so the $default route invokes f; keep one '*' route"
    ]


@pytest.mark.parametrize(
    ("version", "warned"),
    [
        ("3", False),
        ("^3.0.0", False),
        (">=3.38 <4", False),
        ("2", True),
        ("4", True),
        ("latest", True),
    ],
)
def test_framework_versions_that_exclude_3_40(tmp_path: Path, version: str, warned: bool) -> None:
    warnings = compile_text(
        tmp_path, f"service: vv\nframeworkVersion: '{version}'\nprovider:\n  name: aws\n"
    )
    expected = (
        [
            f"serverless.yml:2:19: warning: frameworkVersion '{version}' does not include 3.40.0: "
            "Serverless v3.40.0 refuses to package this service; corsway compiles it the way "
            "v3.40.0 would, so what other versions add (e.g. v4's build:) is not in the template"
        ]
        if warned
        else []
    )
    assert warnings == expected


SHARED_HTTP_API = Path("/work/shared/sls3-httpapi")


def test_the_shared_http_api_cases_are_copied_unchanged() -> None:
    """The 12 oracle cases of ../shared/sls3-httpapi are stored as httpapi-<name>, byte for
    byte (expected-api.json is added: the shared oracle's --api-only drops ApiGatewayV2)."""
    repo_shared = Path(__file__).resolve().parents[2].parent / "shared" / "sls3-httpapi"
    shared = next((p for p in (repo_shared, SHARED_HTTP_API) if p.is_dir()), None)
    if shared is None:
        pytest.skip("the shared oracle directory is not on this machine")
    names = sorted(p.name for p in shared.iterdir() if (p / "serverless.yml").is_file())
    assert len(names) == 12
    for name in names:
        for file in (shared / name).iterdir():
            assert file.read_bytes() == (case_dir(f"httpapi-{name}") / file.name).read_bytes()
