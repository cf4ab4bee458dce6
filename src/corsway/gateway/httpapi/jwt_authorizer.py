"""JWT authorizers, checked in the order AWS documents (fact sheet §3.4):

the token from the identity source (an optional `Bearer ` prefix removed), its algorithm (RSA
only), its `kid` in the key set and its signature (when a JWKS was given: `jwks.py`), `iss`,
`aud` (or `client_id` when there is no `aud`), `exp`, `nbf`, `iat`, and the route's scopes
against `scope`/`scp`. A missing token is a 401 with a bare `www-authenticate: Bearer`; an
invalid one a 401 whose `www-authenticate` says why; missing scopes a 403. The claims reach
the function stringified as AWS writes them (`"[a b]"` for a list).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from jwt.exceptions import InvalidSignatureError, InvalidTokenError

from corsway.gateway.httpapi.failure import GatewayError
from corsway.gateway.httpapi.jwks import JwksConfig, JwksSource, JwksUnavailable
from corsway.gateway.httpapi.model import Authorizer, Route

RSA_ALGORITHMS = ("RS256", "RS384", "RS512")  # [D] "API Gateway supports only RSA-based"
# [I] Whether a token without `exp` is refused (AWS documents checking exp when present).
REQUIRE_EXP = False
# [D] The token may be sent with a `Bearer ` prefix ([I] matched case-insensitively).
BEARER = "bearer "


def stringify_claim(value: object) -> str:
    """A claim as AWS passes it on: every value a string, lists as `[a b c]` (Go's format)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "<nil>"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list):
        return "[" + " ".join(stringify_claim(item) for item in value) + "]"
    if isinstance(value, dict):
        inner = " ".join(f"{k}:{stringify_claim(v)}" for k, v in sorted(value.items()))
        return f"map[{inner}]"
    return str(value)


def token_scopes(claims: Mapping[str, Any]) -> list[str]:
    """The token's scopes: `scope` (space-separated) or `scp` (a list or a string)."""
    for name in ("scope", "scp"):
        value = claims.get(name)
        if isinstance(value, str):
            return value.split()
        if isinstance(value, list):
            return [str(item) for item in value]
    return []


class JwtAuthorizers:
    """Runs the JWT authorizers of one API."""

    def __init__(
        self, jwks: JwksConfig | None, wall_clock: Callable[[], float] = time.time
    ) -> None:
        self.jwks = jwks or JwksConfig()
        self._now = wall_clock

    def source(self, authorizer: Authorizer) -> JwksSource | None:
        """Where this authorizer's keys come from (None: signatures are not verified)."""
        return self.jwks.for_authorizer(authorizer.name, authorizer.logical_id)

    async def authorize(
        self, authorizer: Authorizer, route: Route, token: str | None
    ) -> tuple[dict[str, Any], str]:
        """(`{"claims", "scopes"}` for the event, access-log note) or GatewayError."""
        label = f"JWT authorizer {authorizer.name}"
        scope_text = " ".join(route.scopes)
        if not token:
            raise GatewayError(
                401, f"{label}: no token ({authorizer.identity_sources[0].name})",
                www_authenticate="Bearer",
            )  # fmt: skip

        def invalid(description: str) -> GatewayError:
            return GatewayError(
                401,
                f"{label}: {description}",
                www_authenticate=(
                    f'Bearer scope="{scope_text}" error="invalid_token" '
                    f'error_description="{description}"'
                ),
            )

        if token[: len(BEARER)].lower() == BEARER:
            token = token[len(BEARER) :]
        try:
            header = jwt.get_unverified_header(token)
        except InvalidTokenError:
            raise invalid("the token is not a valid JWT") from None
        algorithm = header.get("alg")
        if algorithm not in RSA_ALGORITHMS:
            raise invalid(f"signing method {algorithm} is invalid")
        source = self.source(authorizer)
        verified = source is not None
        try:
            if source is None:
                claims = jwt.decode(token, options={"verify_signature": False})
            else:
                try:
                    key = await source.key(header.get("kid"))
                except JwksUnavailable as error:
                    raise GatewayError(
                        401, f"{label}: {error}", www_authenticate="Bearer", problem=str(error)
                    ) from None
                if key is None:
                    raise invalid(f"the kid {header.get('kid')} is not in the JWKS")
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=[str(algorithm)],
                    options={
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                        "verify_aud": False,
                        "verify_iss": False,
                    },
                )
        except InvalidSignatureError:
            raise invalid("the token signature is invalid") from None
        except InvalidTokenError as error:
            raise invalid(f"the token cannot be read: {error}") from None
        self._check_claims(claims, authorizer, invalid)
        scopes = token_scopes(claims)
        if route.scopes and not set(route.scopes) & set(scopes):
            raise GatewayError(
                403,
                f"{label}: the token has none of the route's scopes ({scope_text})",
                www_authenticate=(
                    f'Bearer scope="{scope_text}" error="insufficient_scope" '
                    'error_description="the token does not have the required scopes"'
                ),
            )
        context = {
            "claims": {str(name): stringify_claim(value) for name, value in claims.items()},
            "scopes": scopes or None,
        }
        how = "signature verified" if verified else "signature NOT verified (no --jwks)"
        return context, f"{label}: valid token, {how}"

    def _check_claims(
        self,
        claims: Mapping[str, Any],
        authorizer: Authorizer,
        invalid: Callable[[str], GatewayError],
    ) -> None:
        if claims.get("iss") != authorizer.issuer:
            raise invalid("the token does not have a valid issuer")
        audience = claims.get("aud")
        if audience is not None:
            values = audience if isinstance(audience, list) else [audience]
        else:
            client_id = claims.get("client_id")
            values = [client_id] if client_id is not None else []
        if not any(isinstance(v, str) and v in authorizer.audience for v in values):
            raise invalid("the token does not have a valid audience")
        now = self._now()
        for name, must_be_after_now, description in (
            ("exp", True, "the token has expired"),
            ("nbf", False, "the token is not valid yet"),
            ("iat", False, "the token was issued in the future"),
        ):
            value = claims.get(name)
            if value is None:
                if name == "exp" and REQUIRE_EXP:
                    raise invalid("the token has no expiry (exp)")
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise invalid(f"the token's {name} claim is not a number")
            if (now >= value) if must_be_after_now else (now < value):
                raise invalid(description)
