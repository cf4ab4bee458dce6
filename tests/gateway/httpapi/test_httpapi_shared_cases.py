"""The 12 shared httpApi cases: what Serverless v3.40 compiled, served with their own Node
handlers (`handler.js`: an inferred 200 `{ok, routeKey}`, a simple-response authorizer that
allows `authorization: allow`), every route answering as on AWS."""

from __future__ import annotations

import json
import shutil
from typing import Any

import pytest

from tests.compile.sls3cases import SHARED_HTTP_API_CASES, http_api_case
from tests.gateway.httpapi.jwt_support import new_key
from tests.gateway.httpapi.support import Served, serving, shared_template

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")

APP = "https://app.example.com"
SIGNED = (
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-east-1/execute-api/aws4_request, "
    "SignedHeaders=host, Signature=abc"
)
KEY = new_key("shared")
COGNITO = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbCdEfGhI"
COGNITO_TOKEN = "Bearer " + KEY.token({"iss": COGNITO, "aud": "client-one", "scope": "openid"})
AUTH0_TOKEN = KEY.token({"iss": "https://example.auth0.com/", "aud": "https://api.example.com"})


def ok(route_key: str | None) -> dict[str, Any]:
    """The shared handler's inferred answer."""
    return {"ok": True} if route_key is None else {"ok": True, "routeKey": route_key}


# (method, path, request headers, status, JSON body or None, expected response headers)
Case = tuple[str, str, dict[str, str], int, Any, dict[str, str | None]]
PREFLIGHT = {"Origin": APP, "Access-Control-Request-Method": "PATCH"}

CASES: dict[str, list[Case]] = {
    "cors-true": [
        ("GET", "/users", {"Origin": APP}, 200, ok("GET /users"),
         {"access-control-allow-origin": "*", "vary": None}),
        ("POST", "/users", {}, 200, ok("POST /users"), {"access-control-allow-origin": None}),
        ("GET", "/user-profile/u1", {}, 200, ok("GET /user-profile/{userId}"), {}),
        ("DELETE", "/user-profile/u1", {}, 200, ok("DELETE /user-profile/{userId}"), {}),
        ("GET", "/", {}, 200, ok("GET /"), {}),
        ("OPTIONS", "/users", {"Origin": APP, "Access-Control-Request-Method": "DELETE"}, 204,
         None, {"access-control-allow-methods": "OPTIONS,GET,POST,DELETE"}),
        ("GET", "/nothing", {"Origin": APP}, 404, {"message": "Not Found"},
         {"access-control-allow-origin": "*"}),
    ],
    "cors-object-full": [
        ("GET", "/items", {"Origin": APP}, 200, ok("GET /items"),
         {"access-control-allow-origin": APP, "access-control-allow-credentials": "true",
          "access-control-expose-headers": "X-Request-Id,Date", "vary": "origin"}),
        ("PUT", "/items/1", {"Origin": "http://localhost:5173"}, 200, ok("PUT /items/{id}"),
         {"access-control-allow-origin": "http://localhost:5173"}),
        # PUT is not in AllowMethods (GET, POST, OPTIONS): the preflight gets no CORS headers
        ("OPTIONS", "/items/1", {"Origin": APP, "Access-Control-Request-Method": "PUT"}, 204,
         None, {"access-control-allow-origin": None}),
        ("OPTIONS", "/items", {"Origin": APP, "Access-Control-Request-Method": "POST",
                               "Access-Control-Request-Headers": "content-type,x-request-id"},
         204, None, {"access-control-allow-origin": APP, "access-control-max-age": "6000",
                     "access-control-allow-headers": "Content-Type,Authorization,X-Request-Id"}),
    ],
    "cors-object-partial": [
        ("PATCH", "/orders/o1", {"Origin": APP}, 200, ok("PATCH /orders/{orderId}"),
         {"access-control-allow-origin": APP, "access-control-allow-credentials": None}),
        ("GET", "/orders", {}, 200, ok("GET /orders"), {}),
        ("HEAD", "/orders", {}, 200, None, {}),
        ("OPTIONS", "/orders/o1", PREFLIGHT, 204, None,
         {"access-control-max-age": "0",
          "access-control-allow-methods": "OPTIONS,PATCH,GET,HEAD"}),
    ],
    "no-cors-logs": [
        ("GET", "/ping", {"Origin": APP}, 200, ok("GET /ping"),
         {"access-control-allow-origin": None}),
        ("POST", "/slow", {}, 200, ok("POST /slow"), {}),
        ("OPTIONS", "/ping", PREFLIGHT, 404, {"message": "Not Found"},
         {"access-control-allow-origin": None}),
    ],
    "payload-versions": [
        ("GET", "/legacy", {}, 200, None, {}),  # payload 1.0: {ok} has no body → empty
        ("POST", "/legacy", {}, 200, None, {}),
        ("GET", "/modern", {}, 200, ok("GET /modern"), {}),
    ],
    "catch-all": [
        ("GET", "/anything/here", {}, 200, ok("ANY /{proxy+}"), {}),
        ("GET", "/", {}, 200, ok("$default"), {}),
        ("GET", "/files/a/b", {}, 200, ok("GET /files/{proxy+}"), {}),
        ("POST", "/files/a", {}, 200, ok("ANY /{proxy+}"), {}),
        ("DELETE", "/any/method", {}, 200, ok("ANY /any/method"), {}),
        # ANY /{proxy+} catches the preflight: the handler answers it, the preflight's CORS
        # headers added (ROUTED_PREFLIGHT_GETS_PREFLIGHT_HEADERS)
        ("OPTIONS", "/x", PREFLIGHT, 200, ok("ANY /{proxy+}"),
         {"access-control-allow-origin": "*",
          "access-control-allow-methods": "OPTIONS,GET,POST,PUT,PATCH,HEAD,DELETE"}),
    ],
    "path-params": [
        ("GET", "/users/1", {}, 200, ok("GET /users/{id}"), {}),
        ("GET", "/users/1/posts/2", {}, 200, ok("GET /users/{userId}/posts/{postId}"), {}),
        ("GET", "/users/1/files/a/b", {}, 200, ok("GET /users/{id}/files/{proxy+}"), {}),
        ("POST", "/api/v1.2/batch_jobs/j-1", {}, 200,
         ok("POST /api/v1.2/batch_jobs/{job-id}"), {}),
        ("GET", "/trailing/", {}, 200, ok("GET /trailing/"), {}),
        ("GET", "/trailing", {}, 404, {"message": "Not Found"}, {}),
        ("PUT", "/MixedCase/Path", {}, 200, ok("PUT /MixedCase/Path"), {}),
        ("PUT", "/mixedcase/path", {}, 404, {"message": "Not Found"}, {}),
    ],
    "jwt-authorizer": [
        ("GET", "/public", {}, 200, ok("GET /public"), {}),
        ("GET", "/profile", {"Origin": APP}, 401, {"message": "Unauthorized"},
         {"www-authenticate": "Bearer", "access-control-allow-origin": "*"}),
        ("GET", "/profile", {"Authorization": COGNITO_TOKEN}, 200, ok("GET /profile"), {}),
        ("POST", "/profile", {"Authorization": COGNITO_TOKEN}, 200, ok("POST /profile"), {}),
        ("GET", "/admin", {"Authorization": COGNITO_TOKEN}, 401, {"message": "Unauthorized"},
         {"www-authenticate": "Bearer"}),  # its identity source is X-Token
        ("GET", "/admin", {"X-Token": AUTH0_TOKEN}, 200, ok("GET /admin"), {}),
        ("GET", "/admin", {"X-Token": COGNITO_TOKEN}, 401, {"message": "Unauthorized"}, {}),
    ],
    "lambda-authorizer": [
        ("GET", "/secure", {"Authorization": "allow"}, 200, ok("GET /secure"), {}),
        ("GET", "/secure", {}, 401, {"message": "Unauthorized"}, {}),
        ("GET", "/secure", {"Authorization": "nope"}, 403, {"message": "Forbidden"}, {}),
        ("POST", "/secure", {}, 401, {"message": "Unauthorized"}, {}),
        # the external authorizer's function is not in the service
        ("POST", "/secure", {"X-Api-Token": "t"}, 500, {"message": "Internal Server Error"}, {}),
        # policyAuth (payload 1.0, no simple responses) gets {isAuthorized}: invalid → 500
        ("DELETE", "/secure/1", {}, 500, {"message": "Internal Server Error"}, {}),
    ],
    "aws-iam": [
        ("GET", "/internal", {}, 403, {"message": "Forbidden"}, {}),
        ("GET", "/internal", {"Authorization": SIGNED}, 200, ok("GET /internal"), {}),
        ("POST", "/internal/a/b", {"Authorization": SIGNED}, 200,
         ok("ANY /internal/{proxy+}"), {}),
    ],
    "mixed-http-httpapi": [
        ("GET", "/products", {"Origin": APP}, 200, ok("GET /products"),
         {"access-control-allow-origin": APP, "access-control-allow-credentials": "true"}),
        ("PUT", "/products/1", {}, 200, ok("PUT /products/{id}"), {}),
        # the REST API: the same handler's {ok, routeKey} is a malformed REST proxy result
        ("GET", "/dev/products", {}, 502, {"message": "Internal server error"},
         {"x-amzn-requestid": "*"}),
        ("OPTIONS", "/dev/products", {"Origin": APP, "Access-Control-Request-Method": "GET"},
         200, None, {"access-control-allow-origin": "*"}),  # the REST API's MOCK
        ("OPTIONS", "/products", {"Origin": APP, "Access-Control-Request-Method": "PUT"},
         204, None, {"access-control-allow-methods": "OPTIONS,GET,PUT"}),
    ],
    "resources-overrides": [
        ("GET", "/anything", {}, 403, {"message": "Forbidden"}, {}),
        ("GET", "/anything", {"Authorization": "allow"}, 200, ok("$default"), {}),
        ("OPTIONS", "/anything", PREFLIGHT, 200, ok("OPTIONS /{proxy+}"),
         {"access-control-allow-origin": "*"}),
        ("OPTIONS", "/", PREFLIGHT, 200, ok("OPTIONS /"), {"access-control-allow-origin": "*"}),
    ],
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_shared_case(case: str) -> None:
    with serving(shared_template(case), http_api_case(case)) as served:
        for item in CASES[case]:
            check(served, item)


def check(served: Served, item: Case) -> None:
    method, path, headers, status, body, expected = item
    base = f"http://127.0.0.1:{served.server.port}"
    response = served.client.request(method, base + path, headers=headers)
    what = f"{method} {path} {headers}"
    assert response.status_code == status, f"{what}: {response.status_code} {response.text}"
    if body is not None:
        assert json.loads(response.content) == body, what
    elif method == "HEAD" or status == 204:
        assert response.content == b"", what
    for name, value in expected.items():
        if value is None:
            assert name not in response.headers, f"{what}: {name}"
        elif value == "*" and name == "x-amzn-requestid":
            assert name in response.headers, what
        else:
            assert response.headers.get(name) == value, f"{what}: {name}"
    if "/dev/" not in path:
        assert "apigw-requestid" in response.headers, what


def test_every_shared_case_is_covered() -> None:
    assert sorted(CASES) == sorted(SHARED_HTTP_API_CASES)
