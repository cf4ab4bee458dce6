"""examples/http-api-service: compiled by corsway (as `make serve` does) and served with its
JWKS, tokens minted by its script, CORS from its configuration."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from corsway.compile import compile_service
from corsway.gateway.httpapi.jwks import jwks_config
from tests.gateway.httpapi.support import Served, serving
from tests.gateway.support import FIXTURES

EXAMPLE = FIXTURES.parent.parent / "examples" / "http-api-service"
ORIGIN = "http://localhost:5173"


def mint(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(EXAMPLE / "mint_token.py"), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.fixture(scope="module")
def example() -> Iterator[Served]:
    template = compile_service(EXAMPLE).template
    with serving(template, EXAMPLE, jwks=jwks_config([str(EXAMPLE / "jwks.json")])) as served:
        yield served


def test_public_routes_with_cors(example: Served) -> None:
    response = example.client.get(example.url + "/products", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.json()["products"][0]["name"] == "Espresso cup"
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-expose-headers"] == "X-Request-Id"
    missing = example.client.get(example.url + "/products/99", headers={"Origin": ORIGIN})
    assert missing.status_code == 404
    assert missing.json() == {"message": "no such product"}
    preflight = example.client.options(
        example.url + "/products",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-methods"] == "GET,POST,DELETE"
    assert preflight.headers["access-control-allow-headers"] == "Content-Type,Authorization"
    assert preflight.headers["access-control-max-age"] == "600"


def test_protected_routes_with_minted_tokens(example: Served) -> None:
    writer = mint("--scope", "products.write", "--sub", "ada")
    created = example.client.post(
        example.url + "/products",
        headers={"Authorization": f"Bearer {writer}", "Origin": ORIGIN},
        json={"name": "Tamper"},
    )
    assert created.status_code == 201
    assert created.json()["createdBy"] == "ada"
    assert created.headers["access-control-allow-origin"] == ORIGIN
    reader = mint()
    me = example.client.get(example.url + "/me", headers={"Authorization": f"Bearer {reader}"})
    assert me.json()["claims"]["sub"] == "local-user"
    assert me.json()["claims"]["aud"] == "http-api-service"
    forbidden = example.client.post(
        example.url + "/products", headers={"Authorization": f"Bearer {reader}"}, json={}
    )
    assert forbidden.status_code == 403
    unauthorized = example.client.delete(example.url + "/products/1", headers={"Origin": ORIGIN})
    assert unauthorized.status_code == 401
    assert unauthorized.headers["www-authenticate"] == "Bearer"
    assert unauthorized.headers["access-control-allow-origin"] == ORIGIN
    expired = mint("--minutes", "-1")
    response = example.client.get(example.url + "/me", headers={"Authorization": expired})
    assert response.status_code == 401
    assert "the token has expired" in response.headers["www-authenticate"]


def test_the_compiled_template_holds_the_cors_and_jwt_configuration() -> None:
    template = compile_service(EXAMPLE).template
    api = template["Resources"]["HttpApi"]["Properties"]
    assert api["CorsConfiguration"]["AllowOrigins"] == [ORIGIN, "http://127.0.0.1:5173"]
    jwt = template["Resources"]["HttpApiAuthorizerLocalJwt"]["Properties"]["JwtConfiguration"]
    assert jwt == {"Audience": ["http-api-service"], "Issuer": "https://issuer.local.example/"}
    keys = json.loads((EXAMPLE / "jwks.json").read_text())["keys"]
    assert [key["kid"] for key in keys] == ["http-api-service-local-1"]
