"""API Gateway's marks, the causes they lead to, and the hook for a compiled service."""

from __future__ import annotations

from dataclasses import replace

import pytest

from corsway.doctor.causes import CAUSES, Diagnosis, gateway_mark, with_cause
from corsway.doctor.classify import page_request
from corsway.doctor.explain import explain
from corsway.doctor.fetch import BrowserFetch
from corsway.doctor.result import FetchOutcome, Fix, WireResponse

JSON = ("Content-Type", "application/json")


@pytest.mark.parametrize(
    ("status", "headers", "body", "api", "kind"),
    [
        (
            403,
            (JSON, ("x-amzn-ErrorType", "MissingAuthenticationTokenException")),
            '{"message":"Missing Authentication Token"}',
            "rest",
            "missing-token",
        ),
        (
            401,
            (JSON, ("x-amzn-errortype", "UnauthorizedException:http://internal")),
            '{"message":"Unauthorized"}',
            "rest",
            "unauthorized",
        ),
        (
            403,
            (JSON, ("x-amzn-ErrorType", "AccessDeniedException")),
            '{"Message":"User is not authorized to access this resource"}',
            "rest",
            "forbidden",
        ),
        (
            403,
            (JSON, ("x-amzn-ErrorType", "ForbiddenException")),
            '{"message":"Forbidden"}',
            "rest",
            "api-key",
        ),
        (
            500,
            (JSON, ("x-amzn-ErrorType", "AuthorizerConfigurationException")),
            '{"message": null}',
            "rest",
            "server-error",
        ),
        (
            502,
            (JSON, ("x-amzn-RequestId", "r")),
            '{"message": "Internal server error"}',
            "rest",
            "server-error",
        ),
        (404, (JSON, ("apigw-requestid", "r")), '{"message":"Not Found"}', "http", "not-found"),
        (
            503,
            (JSON, ("apigw-requestid", "r")),
            '{"message":"Service Unavailable"}',
            "http",
            "server-error",
        ),
        (403, (JSON,), '{"message":"Missing Authentication Token"}', None, "missing-token"),
        (404, (JSON,), '{"message":"Not Found"}', None, None),  # any server's 404
        (200, (JSON, ("x-amzn-RequestId", "r")), '{"message":"Unauthorized"}', "rest", None),
        (
            401,
            (JSON, ("apigw-requestid", "r")),
            '{"message":"Unauthorized","more":1}',
            "http",
            None,
        ),
    ],
)
def test_gateway_marks(
    status: int,
    headers: tuple[tuple[str, str], ...],
    body: str,
    api: str | None,
    kind: str | None,
) -> None:
    mark = gateway_mark(WireResponse(status, headers, body.encode()))
    assert (mark.api, mark.kind) == (api, kind)


def blocked_outcome() -> FetchOutcome:
    fetch = BrowserFetch(
        page_request("http://127.0.0.1:3000/dev/x", origin="http://localhost:5173"),
        initiator_space="loopback",
    )
    fetch.connect("loopback")
    fetch.receive(
        WireResponse(
            401,
            (JSON, ("x-amzn-ErrorType", "UnauthorizedException")),
            b'{"message":"Unauthorized"}',
        )
    )
    return fetch.outcome


class PlacingContext:
    """A stand-in for phase 2's compiled service: refines the cause, places the fix."""

    def __init__(self, place: bool) -> None:
        self.place = place
        self.seen: list[str] = []

    def refine(self, diagnosis: Diagnosis) -> Diagnosis:
        self.seen.append(diagnosis.cause)
        return with_cause(diagnosis, "authorizer-rejected")

    def fix(self, diagnosis: Diagnosis) -> Fix | None:
        if not self.place:
            return None
        return Fix(f"{diagnosis.cause}: add the GatewayResponse", "serverless.yml", 42)


def test_a_service_context_refines_the_cause_and_places_the_fix() -> None:
    outcome = blocked_outcome()
    assert explain(outcome)[0] == "authorizer-rejected"
    context = PlacingContext(place=True)
    _, fix = explain(outcome, context)
    assert context.seen == ["authorizer-rejected"]
    assert fix == Fix("authorizer-rejected: add the GatewayResponse", "serverless.yml", 42)
    _cause, fix = explain(outcome, PlacingContext(place=False))
    assert fix is not None and "GatewayResponseDefault4XX" in fix.text and fix.line is None


def test_allowed_fetches_have_no_cause() -> None:
    outcome = replace(blocked_outcome(), allowed=True, failure=None)
    assert explain(outcome) == (None, None)


def test_with_cause_accepts_only_known_causes() -> None:
    from corsway.doctor.causes import diagnose

    diagnosis = diagnose(blocked_outcome())
    assert with_cause(diagnosis, "other").cause == "other"
    with pytest.raises(ValueError, match="unknown cause"):
        with_cause(diagnosis, "typo")
    assert len(CAUSES) == 14
