"""What lint says about the repository's own services: the examples and the parity fixtures.

Every finding listed is deserved (see the comments); nothing else may appear. CW011 (info: no
DEFAULT_5XX gateway response, so a crashed function's 502 reaches the browser as a CORS error)
is true of every example: none of them adds that response.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corsway.lint import lint_service
from tests.compile.sls3cases import CASES, case_dir, case_env

ROOT = Path(__file__).resolve().parents[2]

EXAMPLES: dict[str, list[str]] = {
    "examples/products-service": ["CW011 serverless.yml:17:11"],
    "examples/seed-python": ["CW011 serverless.yml:18:11"],
    # The seed's TL;DR as published: Lambda no longer accepts nodejs6.10 (CW100); its handlers
    # throw (retrieveProduct is never defined) and the 502 has no CORS headers (CW011).
    "examples/seed-node/tldr": ["CW100 serverless.yml:7:12", "CW011 serverless.yml:16:11"],
    "examples/seed-node/middy": ["CW011 serverless.yml:17:11"],
    "examples/seed-node/credentials": ["CW011 serverless.yml:17:11"],
    # The seed's custom-authorizer section as a service: its 401 has no CORS headers (CW003).
    "examples/seed-authorizer": ["CW011 serverless.yml:21:11", "CW003 serverless.yml:23:13"],
    "examples/http-api-service": [],
}

# The parity fixtures reproduce the framework's quirks on purpose; each finding names one.
FIXTURES: dict[str, list[str]] = {
    "authorizers": [],
    "cors-maxage-cachecontrol-methods": [
        "CW011 serverless.yml:16:11",
        "CW009 serverless.yml:18:21",  # maxAge 86400
        "CW012 serverless.yml:47:13",  # exposedResponseHeaders on an http event
        "CW012 serverless.yml:49:13",  # allowedOrigins on an http event
    ],
    "cors-merge-origins": [
        "CW101 handler.js:8:5",  # '*' + credentials in the handler, routes allow credentials
        "CW011 serverless.yml:16:11",
        "CW002 serverless.yml:27:21",
        "CW002 serverless.yml:35:21",
    ],
    "cors-merge-same-path": [
        "CW101 handler.js:8:5",
        "CW011 serverless.yml:18:11",
        "CW002 serverless.yml:26:21",
        "CW004 serverless.yml:53:19",  # DELETE /partial without cors
    ],
    "cors-nonproxy-integrations": [
        "CW013 serverless.yml:27:15",
        "CW013 serverless.yml:29:31",
        "CW011 serverless.yml:61:11",
    ],
    "cors-object-detailed": ["CW011 serverless.yml:15:11"],
    "cors-origins-credentials": ["CW101 handler.js:8:5", "CW011 serverless.yml:16:11"],
    "cors-origins-edge": [
        "CW101 handler.js:8:5",
        "CW011 serverless.yml:16:11",
        "CW013 serverless.yml:19:17",
        "CW013 serverless.yml:28:17",
        "CW013 serverless.yml:28:17",
        "CW001 serverless.yml:38:31",
        "CW013 serverless.yml:47:17",
        "CW013 serverless.yml:48:17",
        "CW002 serverless.yml:62:21",
    ],
    "cors-root-and-explicit-options": [
        "CW011 serverless.yml:16:11",
        "CW013 serverless.yml:26:19",
    ],
    "given-artifact": ["CW011 serverless.yml:21:11"],
    "integrations-and-validators": [
        "CW100 serverless.yml:25:15",
        "CW003 serverless.yml:33:20",  # private: true, no INVALID_API_KEY/DEFAULT_4XX response
        "CW013 serverless.yml:37:31",
        "CW011 serverless.yml:127:11",
    ],
    "nested-paths-proxy": ["CW011 serverless.yml:16:11", "CW004 serverless.yml:37:19"],
    "provider-apigateway": ["CW003 serverless.yml:33:20", "CW011 serverless.yml:34:11"],
    "provider-external-predefined": ["CW011 serverless.yml:23:11"],
    "provider-external-restapi": ["CW011 serverless.yml:21:11"],
    "python-env-timeouts": ["CW011 serverless.yml:32:11"],
    "resources-and-extensions": ["CW100 serverless.yml:47:5"],
    "seed-tldr": ["CW011 serverless.yml:14:11"],
    "seed-tldr-nodejs610": ["CW100 serverless.yml:5:12", "CW011 serverless.yml:14:11"],
    "short-form-tags": ["CW011 serverless.yml:22:11", "CW003 serverless.yml:24:13"],
    "usage-plans": ["CW003 serverless.yml:39:20", "CW011 serverless.yml:40:11"],
    "variables": ["CW011 serverless.yml:62:11"],
    "yaml-semantics": [
        "CW101 handler.js:8:5",
        "CW013 serverless.yml:25:20",  # private: yes
        "CW011 serverless.yml:26:11",
        "CW013 serverless.yml:26:17",  # cors: off
        "CW001 serverless.yml:33:31",
    ],
    # HTTP API cases: the shared oracle cases are correct (no finding) except where noted.
    "httpapi-accepted-oddities": [
        "CW100 serverless.yml:14:22",  # useProviderTags (deprecated)
        "CW103 serverless.yml:18:11",  # https://*.example.com: undocumented wildcard
        "CW009 serverless.yml:19:15",  # maxAge 100000: above the API's limit
        "CW100 serverless.yml:31:14",  # functions.auth.httpApi: true
        "CW100 serverless.yml:37:17",  # path 'users'
        "CW100 serverless.yml:38:11",  # cors on an httpApi event
        "CW006 serverless.yml:43:23",  # ANY /admin/{proxy+} with an authorizer takes preflights
    ],
    "httpapi-aliases": [],
    "httpapi-aws-iam": [],
    "httpapi-catch-all": [],
    "httpapi-cors-object-full": ["CW103 serverless.yml:19:11"],  # https://*.example.org
    "httpapi-cors-object-partial": [],
    "httpapi-cors-true": [],
    "httpapi-default-replaced": [
        "CW100 serverless.yml:23:16",  # payload '3.0'
        "CW013 serverless.yml:27:11",  # a second '*' route silently replaces the first
    ],
    "httpapi-external-api": [],
    "httpapi-jwt-authorizer": [],
    "httpapi-lambda-authorizer": [],
    "httpapi-lenient-schema": [
        "CW100 serverless.yml:10:15",  # memorySize '2048MB'
        "CW100 serverless.yml:28:17",  # memorySize '1536MB'
        "CW100 serverless.yml:29:14",  # timeout '10s'
        "CW100 serverless.yml:41:13",  # authorizer.cache: unknown
    ],
    "httpapi-logs-extensions": ["CW100 serverless.yml:42:5"],  # a resource without Type
    "httpapi-mixed-http-httpapi": [
        "CW005 handler.js:4:8",  # the REST route's handler sets no Access-Control-Allow-Origin
        "CW011 serverless.yml:24:11",
    ],
    "httpapi-no-cors-logs": [],
    "httpapi-path-params": ["CW103 serverless.yml:21:18"],  # GET /trailing/
    "httpapi-payload-versions": [],
    "httpapi-request-authorizers": [],
    "httpapi-resources-overrides": ["CW008 serverless.yml:48:16"],  # REST GatewayResponse
    "httpapi-route-edges": [
        "CW001 serverless.yml:13:25",  # credentials with '*'
        "CW100 serverless.yml:19:15",  # maxAge -1
        "CW103 serverless.yml:25:18",  # GET /reports/
        "CW103 serverless.yml:26:18",  # greedy variable before the last segment
    ],
    "httpapi-timeouts-variables": [],
}


def shown(directory: Path) -> list[str]:
    return [f"{f.rule} {f.location}" for f in lint_service(directory).findings]


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_examples(example: str) -> None:
    assert shown(ROOT / example) == EXAMPLES[example]


@pytest.mark.parametrize("case", CASES)
def test_parity_fixtures(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in case_env(case).items():
        monkeypatch.setenv(name, value)
    assert shown(case_dir(case)) == FIXTURES[case]


def test_every_fixture_is_listed() -> None:
    assert sorted(FIXTURES) == sorted(CASES)
    assert all(os.path.isdir(ROOT / example) for example in EXAMPLES)
