"""`httpApi` events (HTTP API routes) and the HTTP API settings of `provider` and a function.

Mirrors the schema Serverless v3.40 declares in `http-api.js` and `provider.js`. What the
framework only warns about stays a warning here (an odd path, an unknown payload version, an
authorizer property it ignores); what its plugin then refuses or crashes on is an error: a string
event that is not `'METHOD /path'` (the framework dies with a TypeError there) and a method
outside the allowed list.
"""

from __future__ import annotations

from typing import Any

from corsway.service.jsvalues import js_string, js_truthy, short_repr
from corsway.service.rules.common import ANY, CF_FUNCTION, CF_INSTRUCTION
from corsway.service.schema import (
    AnyOf,
    Arr,
    Bool,
    Const,
    Custom,
    Issue,
    Lenient,
    Num,
    Obj,
    Report,
    Str,
)
from corsway.service.sourcemap import Path

HTTP_API_METHODS = ("ANY", "GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE")
_METHOD_LIST = ", ".join(HTTP_API_METHODS)

# The framework's `methodPathPattern` (case-insensitive) and the object form's patterns.
METHOD_PATH_PATTERN = rf"(?i)^(?:\*|({'|'.join(HTTP_API_METHODS)}) (/\S*))\Z"
METHOD_PATTERN = rf"(?i)^(?:\*|{'|'.join(HTTP_API_METHODS)})\Z"
PATH_PATTERN = r"^(?:\*|/\S*)\Z"

PAYLOAD_VERSIONS = ("1.0", "2.0")


def _payload(*, framework_enum: bool) -> Custom:
    """A payload format version. The framework turns a YAML number into a string (`2.0` ->
    "2"), and checks the enum only at function level; API Gateway takes '1.0' or '2.0' only."""
    rule = Lenient(
        Str(
            enum=PAYLOAD_VERSIONS if framework_enum else None,
            enum_hint="API Gateway accepts only these payload format versions",
        )
    )

    def check(value: Any, path: Path, report: Report) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            text = js_string(value)
            report(
                Issue(
                    path,
                    f"this payload is a YAML number ({value}), which Serverless turns into the "
                    f"string {text!r} (PayloadFormatVersion: {text!r}); API Gateway accepts only "
                    "'1.0' and '2.0', so the deploy fails: quote it (payload: '2.0')",
                    "warning",
                )
            )
            return text
        value = rule.check(value, path, report)
        if not framework_enum and js_truthy(value) and value not in PAYLOAD_VERSIONS:
            report(
                Issue(
                    path,
                    f"payload {short_repr(value)}: API Gateway accepts only '1.0' and '2.0' as "
                    "PayloadFormatVersion; Serverless v3.40 compiles it as written and the "
                    "deploy fails",
                    "warning",
                )
            )
        return value

    return Custom(check, "'1.0' or '2.0'")


_METHOD_PATH = Str(pattern=METHOD_PATH_PATTERN, pattern_text="a route", pattern_kind="type")


def _string_event(value: Any, path: Path, report: Report) -> Any:
    """`'GET /users'` or `'*'`: anything else crashes the framework, so it is an error here."""
    issues: list[Issue] = []
    value = _METHOD_PATH.check(value, path, issues.append)
    if issues:
        report(
            Issue(
                path,
                f"{value!r} is not an httpApi route: {_route_hint(str(value))} (Serverless "
                "v3.40 crashes on this value with a TypeError)",
                "type",
            )
        )
    return value


def _route_hint(text: str) -> str:
    """What is wrong with a string event and what would be valid."""
    parts = text.split()
    general = (
        "write 'METHOD /path' with one space (e.g. 'GET /users', 'ANY /{proxy+}'), or '*' for "
        f"the catch-all $default route; METHOD is one of {_METHOD_LIST}"
    )
    if len(parts) != 2:
        return general
    method, route_path = parts
    if method.upper() not in HTTP_API_METHODS:
        return f"{method} is not an HTTP API method (use one of {_METHOD_LIST})"
    if not route_path.startswith("/"):
        return f"the path must start with /: write '{method} /{route_path}'"
    return general


def _method(value: Any, path: Path, report: Report) -> Any:
    issues: list[Issue] = []
    value = _METHOD.check(value, path, issues.append)
    if issues or not isinstance(value, str):
        report(
            Issue(
                path,
                f"{value!r} is not an HTTP API method: use one of {_METHOD_LIST} or '*' (any "
                'method); Serverless v3.40 refuses it (Invalid "method" property)',
                "type",
            )
        )
    return value


_METHOD = Str(pattern=METHOD_PATTERN, pattern_text="a method", pattern_kind="type")


AUTHORIZER_OBJECT = Obj(
    {
        "id": Lenient(
            AnyOf(Str(), CF_FUNCTION, label="an authorizer id or CloudFormation function")
        ),
        "name": Lenient(Str()),
        "scopes": Lenient(Arr(Str())),
        "type": Str(
            enum=("request", "jwt", "aws_iam"),
            enum_hint="the type is case-sensitive; the framework then treats the authorizer "
            "as a JWT one",
        ),
    },
    unknown_hint="an httpApi route authorizer takes name, scopes, id and type; the "
    "authorizer itself is configured under provider.httpApi.authorizers",
)

HTTP_API_EVENT_OBJECT = Obj(
    {
        "authorizer": AnyOf(
            Str(),
            AUTHORIZER_OBJECT,
            label="an authorizer name or {name, scopes} / {id, type} / {type: aws_iam}",
        ),
        "method": Custom(_method, "an HTTP API method"),
        "path": Str(
            pattern=PATH_PATTERN,
            pattern_text="a route path starting with / (or '*'), which AWS requires",
            pattern_kind="enum",
        ),
    },
    required=("path",),
    required_kind="warning",
    required_hints={
        "path": "an httpApi event needs a path (e.g. path: /users); without one Serverless "
        "v3.40 compiles the route key 'METHOD undefined', which AWS refuses"
    },
    unknown_hint="an httpApi event takes method, path and authorizer (payload, cors and "
    "authorizers are provider.httpApi settings)",
)


def _event(value: Any, path: Path, report: Report) -> Any:
    if value is None:
        return value  # the framework skips an empty event without a word
    if value in ("", 0, False):
        report(
            Issue(
                path,
                f"{value!r} is not an httpApi route, and Serverless v3.40 ignores this event "
                "(write 'METHOD /path', e.g. 'GET /users')",
                "warning",
            )
        )
        return value
    if isinstance(value, dict):
        return HTTP_API_EVENT_OBJECT.check(value, path, report)
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return _string_event(value, path, report)
    report(
        Issue(
            path,
            "an httpApi event must be 'METHOD /path' (e.g. 'GET /users'), '*' or an object "
            "with method and path",
            "type",
        )
    )
    return value


HTTP_API_EVENT = Custom(_event, "'METHOD /path' or an httpApi event object")

# `functions.<name>.httpApi`
FUNCTION_HTTP_API = Lenient(
    Obj(
        {"payload": _payload(framework_enum=True)},
        label="an object (payload: '1.0' or '2.0')",
    )
)

_STRING_LIST = Lenient(Arr(Str()))

HTTP_API_CORS = AnyOf(
    Bool(),
    Obj(
        {
            "allowCredentials": Lenient(Bool()),
            "allowedHeaders": _STRING_LIST,
            "allowedMethods": _STRING_LIST,
            "allowedOrigins": _STRING_LIST,
            "exposedResponseHeaders": _STRING_LIST,
            "maxAge": Lenient(Num(minimum=0)),
        },
        unknown_hint="provider.httpApi.cors takes allowedOrigins, allowedHeaders, "
        "allowedMethods, allowCredentials, exposedResponseHeaders and maxAge",
        unknown_hints={
            "origin": "HTTP API cors uses allowedOrigins: [...]",
            "origins": "HTTP API cors uses allowedOrigins: [...]",
            "headers": "HTTP API cors uses allowedHeaders: [...]",
            "methods": "HTTP API cors uses allowedMethods: [...]",
        },
    ),
    label="true, false or a cors object",
)

_IDENTITY_SOURCES = Lenient(
    AnyOf(CF_INSTRUCTION, Arr(CF_INSTRUCTION), label="an identity source or a list of them")
)

JWT_AUTHORIZER = Obj(
    {
        "type": Const("jwt"),
        "name": Lenient(Str()),
        "identitySource": Lenient(CF_INSTRUCTION),
        "issuerUrl": Lenient(CF_INSTRUCTION),
        "audience": Lenient(
            AnyOf(CF_INSTRUCTION, Arr(CF_INSTRUCTION), label="an audience or a list")
        ),
    },
    required=("identitySource", "issuerUrl", "audience"),
    required_kind="warning",
    required_hints=dict.fromkeys(
        ("identitySource", "issuerUrl", "audience"),
        "a JWT authorizer needs identitySource, issuerUrl and audience; Serverless v3.40 only "
        "warns and compiles an authorizer that AWS refuses",
    ),
    unknown_hint="a JWT authorizer takes name, identitySource, issuerUrl and audience",
)

REQUEST_AUTHORIZER = Obj(
    {
        "type": Const("request"),
        "name": Lenient(Str()),
        "functionName": Lenient(Str()),
        "functionArn": Lenient(CF_INSTRUCTION),
        "managedExternally": Lenient(Bool()),
        "resultTtlInSeconds": Lenient(Num(minimum=0, maximum=3600)),
        "enableSimpleResponses": Lenient(Bool()),
        "payloadVersion": Lenient(
            Str(
                enum=PAYLOAD_VERSIONS,
                enum_hint="API Gateway accepts only these authorizer payload versions",
            )
        ),
        "identitySource": _IDENTITY_SOURCES,
    },
    extra=ANY,
    required=("type",),
    required_kind="enum",
)


def _authorizer(value: Any, path: Path, report: Report) -> Any:
    """One of `provider.httpApi.authorizers`: JWT unless `type: request` (case-sensitive)."""
    if not isinstance(value, dict):
        report(Issue(path, "an HTTP API authorizer must be an object (type, ...)", "type"))
        return value
    kind = value.get("type")
    if kind == "request":
        return REQUEST_AUTHORIZER.check(value, path, report)
    if kind is not None and kind != "jwt":
        report(
            Issue(
                (*path, "type"),
                f"{kind!r} is not an HTTP API authorizer type: use jwt or request (lower "
                "case); Serverless v3.40 only warns and compiles this authorizer as a JWT one",
                "warning",
            )
        )
        return value
    return JWT_AUTHORIZER.check(value, path, report)


HTTP_API_AUTHORIZER = Custom(_authorizer, "an HTTP API authorizer")

HTTP_API_ID = Lenient(
    AnyOf(
        Str(),
        Obj({"Fn::ImportValue": Str()}, required=("Fn::ImportValue",), label="{Fn::ImportValue}"),
        label="an HTTP API id or {Fn::ImportValue: ...}",
    )
)

# `provider.httpApi`
PROVIDER_HTTP_API = Obj(
    {
        "authorizers": Obj(extra=HTTP_API_AUTHORIZER, label="a mapping of authorizer names"),
        "cors": HTTP_API_CORS,
        "id": HTTP_API_ID,
        "name": Lenient(Str()),
        "payload": _payload(framework_enum=False),
        "metrics": Lenient(Bool()),
        "useProviderTags": Lenient(Const(True)),
        "disableDefaultEndpoint": Lenient(Bool()),
        "shouldStartNameWithService": Lenient(Bool()),
    },
    unknown_hint="provider.httpApi takes authorizers, cors, id, name, payload, metrics, "
    "disableDefaultEndpoint, shouldStartNameWithService",
)

# `provider.logs.httpApi`
LOGS_HTTP_API = Lenient(AnyOf(Bool(), Obj({"format": Str()}), label="true, false or {format}"))
