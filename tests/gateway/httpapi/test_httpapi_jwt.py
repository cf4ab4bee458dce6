"""JWT authorizers (fact sheet §3.4) on a real server: tokens signed with real RSA keys, checked
against a JWKS file or a loopback URL, or (without --jwks) claims only."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest

from corsway.errors import CorswayError
from corsway.gateway.httpapi.jwks import jwks_config
from corsway.gateway.httpapi.jwt_authorizer import stringify_claim
from tests.gateway.httpapi.jwt_support import AUDIENCE, ISSUER, KeyPair, new_key, write_jwks
from tests.gateway.httpapi.support import HttpTemplate, Served, serving

APP = "http://localhost:5173"
UNAUTHORIZED = b'{"message":"Unauthorized"}'


@pytest.fixture(scope="module")
def key() -> KeyPair:
    return new_key("key-1")


@pytest.fixture(scope="module")
def other_key() -> KeyPair:
    return new_key("key-2")


def template() -> dict[str, Any]:
    return (
        HttpTemplate(
            cors={
                "AllowOrigins": [APP],
                "AllowCredentials": True,
                "AllowHeaders": ["Authorization", "Content-Type"],
                "AllowMethods": ["GET", "POST"],
            }
        )
        .function("echo", "handlers.echo")
        .function("echoV1", "handlers.echo_v1", payload="1.0")
        .jwt_authorizer("main", issuer=ISSUER, audience=[AUDIENCE, "client-two"])
        .route("GET /profile", "echo", authorizer="main")
        .route("POST /profile", "echo", authorizer="main", scopes=["profile.write", "openid"])
        .route("GET /legacy", "echoV1", authorizer="main")
        .build()
    )


@pytest.fixture(scope="module")
def verified(key: KeyPair, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    path = write_jwks(tmp_path_factory.mktemp("jwks") / "jwks.json", key)
    with serving(template(), jwks=jwks_config([str(path)])) as served:
        yield served


def get(served: Served, path: str, token: str | None, method: str = "GET") -> Any:
    headers = {"Origin": APP}
    if token is not None:
        headers["Authorization"] = token
    return served.client.request(method, served.url + path, headers=headers)


def test_valid_token_reaches_the_function_with_stringified_claims(
    verified: Served, key: KeyPair
) -> None:
    token = key.token({"groups": ["a", "b"], "admin": True, "n": 3, "scope": "openid email"})
    response = get(verified, "/profile", f"Bearer {token}")
    assert response.status_code == 200
    authorizer = response.json()["requestContext"]["authorizer"]
    claims = authorizer["jwt"]["claims"]
    assert claims["groups"] == "[a b]"
    assert claims["admin"] == "true"
    assert claims["n"] == "3"
    assert claims["iss"] == ISSUER
    assert isinstance(claims["exp"], str) and claims["exp"].isdigit()
    assert authorizer["jwt"]["scopes"] == ["openid", "email"]
    verified.last_line("GET /profile  200", "JWT authorizer main: valid token, signature verified")


def test_payload_1_gets_claims_and_scopes(verified: Served, key: KeyPair) -> None:
    response = get(verified, "/legacy", key.token())  # no Bearer prefix: accepted too
    event = json.loads(response.text)
    assert event["requestContext"]["authorizer"]["claims"]["sub"] == "user-1"
    assert event["requestContext"]["authorizer"]["scopes"] is None


def test_missing_token_is_401_with_bare_bearer_and_cors_headers(verified: Served) -> None:
    response = get(verified, "/profile", None)
    assert response.status_code == 401
    assert response.content == UNAUTHORIZED
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/json"
    assert response.headers["access-control-allow-origin"] == APP
    assert response.headers["access-control-allow-credentials"] == "true"
    assert response.headers["vary"] == "origin"


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"aud": "someone-else"}, "the token does not have a valid audience"),
        ({"aud": None, "client_id": "client-two"}, None),  # client_id when there is no aud
        ({"aud": None}, "the token does not have a valid audience"),
        ({"iss": "https://other.example.com/"}, "the token does not have a valid issuer"),
        ({"exp": int(time.time()) - 5}, "the token has expired"),
        ({"nbf": int(time.time()) + 300}, "the token is not valid yet"),
        ({"iat": int(time.time()) + 300}, "the token was issued in the future"),
        ({"aud": ["x", "client-two"]}, None),
    ],
)
def test_claim_checks(
    verified: Served, key: KeyPair, claims: dict[str, Any], description: str | None
) -> None:
    response = get(verified, "/profile", f"Bearer {key.token(claims)}")
    if description is None:
        assert response.status_code == 200
        return
    assert response.status_code == 401
    assert response.content == UNAUTHORIZED
    assert response.headers["www-authenticate"] == (
        f'Bearer scope="" error="invalid_token" error_description="{description}"'
    )


def test_signature_and_key_checks(verified: Served, key: KeyPair, other_key: KeyPair) -> None:
    unknown = get(verified, "/profile", other_key.token())
    assert unknown.status_code == 401
    assert "the kid key-2 is not in the JWKS" in unknown.headers["www-authenticate"]
    forged = jwt.encode(
        jwt.decode(key.token(), options={"verify_signature": False}),
        other_key.private,
        algorithm="RS256",
        headers={"kid": "key-1"},
    )
    response = get(verified, "/profile", forged)
    assert response.status_code == 401
    assert (
        'error_description="the token signature is invalid"' in response.headers["www-authenticate"]
    )
    hmac = jwt.encode({"iss": ISSUER, "aud": AUDIENCE}, "secret" * 8, algorithm="HS256")
    response = get(verified, "/profile", hmac)
    assert "signing method HS256 is invalid" in response.headers["www-authenticate"]
    response = get(verified, "/profile", "Bearer not-a-jwt")
    assert response.status_code == 401
    assert "the token is not a valid JWT" in response.headers["www-authenticate"]


def test_scopes(verified: Served, key: KeyPair) -> None:
    response = get(verified, "/profile", key.token({"scope": "email"}), method="POST")
    assert response.status_code == 403
    assert response.content == b'{"message":"Forbidden"}'
    assert response.headers["www-authenticate"].startswith(
        'Bearer scope="profile.write openid" error="insufficient_scope"'
    )
    assert response.headers["access-control-allow-origin"] == APP
    allowed = get(verified, "/profile", key.token({"scp": ["openid"]}), method="POST")
    assert allowed.status_code == 200


def test_without_jwks_claims_are_checked_signatures_are_not(
    key: KeyPair, other_key: KeyPair
) -> None:
    with serving(template()) as served:
        assert get(served, "/profile", other_key.token()).status_code == 200
        served.last_line("GET /profile  200", "signature NOT verified (no --jwks)")
        assert get(served, "/profile", key.token({"aud": "x"})).status_code == 401
        notes = served.server.apis[0].notes
        assert any("token signatures are NOT verified" in note for note in notes)


class _JwksHandler(BaseHTTPRequestHandler):
    body = b""
    hits = 0

    def do_GET(self) -> None:
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


def test_jwks_from_a_loopback_url(key: KeyPair) -> None:
    _JwksHandler.body = json.dumps({"keys": [key.jwk()]}).encode()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
        with serving(template(), jwks=jwks_config([f"main={url}"])) as served:
            assert get(served, "/profile", key.token()).status_code == 200
            assert get(served, "/profile", key.token()).status_code == 200
            assert _JwksHandler.hits == 1  # fetched once, then kept
    finally:
        server.shutdown()
        server.server_close()


def test_jwks_option_errors(tmp_path: Path) -> None:
    with pytest.raises(CorswayError, match="only a URL on this machine"):
        jwks_config(["https://example.com/jwks.json"])
    with pytest.raises(CorswayError, match="cannot read it"):
        jwks_config([str(tmp_path / "missing.json")])
    bad = tmp_path / "bad.json"
    bad.write_text('{"nope": []}')
    with pytest.raises(CorswayError, match=r'is not a JWKS: expected \{"keys"'):
        jwks_config([str(bad)])
    bad.write_text('{"keys": []}')
    with pytest.raises(CorswayError, match="no usable key"):
        jwks_config([str(bad)])
    good = write_jwks(tmp_path / "good.json", new_key("k"))
    with pytest.raises(CorswayError, match="given twice for every JWT authorizer"):
        jwks_config([str(good), str(good)])
    config = jwks_config([f"a={good}", str(good)])
    assert config.for_authorizer("a", "HttpApiAuthorizerA") is config.sources["a"]
    assert config.for_authorizer("b", "HttpApiAuthorizerB") is config.sources[""]


def test_stringify_claim_like_aws() -> None:
    assert stringify_claim(["a", 1, True]) == "[a 1 true]"
    assert stringify_claim({"b": 1, "a": "x"}) == "map[a:x b:1]"
    assert stringify_claim(1.5) == "1.5"
    assert stringify_claim(1700000000.0) == "1700000000"
