"""Mint a token for the example's local JWT authorizer (FOR LOCAL USE ONLY).

The private key in local-keys/ was generated for this example and is public in this
repository: anyone can sign tokens with it. Never use it, or an issuer that trusts it, outside
your machine. `corsway serve --jwks jwks.json` verifies tokens with the matching public key.

    python mint_token.py                       # a token for GET /me
    python mint_token.py --scope products.write --minutes 60
    curl -H "Authorization: Bearer $(python mint_token.py --scope products.write)" ...

Needs PyJWT with cryptography (installed with corsway[cli]).
"""

import argparse
import time
from pathlib import Path

import jwt

HERE = Path(__file__).resolve().parent
ISSUER = "https://issuer.local.example/"  # the authorizer's issuerUrl in serverless.yml
AUDIENCE = "http-api-service"
KEY_ID = "http-api-service-local-1"


def mint(subject: str, scopes: list[str], minutes: float) -> str:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": subject,
        "iat": now,
        "exp": now + int(minutes * 60),
    }
    if scopes:
        claims["scope"] = " ".join(scopes)
    private_key = (HERE / "local-keys" / "private-key.pem").read_text()
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": KEY_ID})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sub", default="local-user")
    parser.add_argument("--scope", action="append", default=[], help="repeat for several")
    parser.add_argument("--minutes", type=float, default=15)
    args = parser.parse_args()
    print(mint(args.sub, args.scope, args.minutes))


if __name__ == "__main__":
    main()
