"""The preflight: one `OPTIONS` MOCK method per path with cors, and the quirks it carries.

Quirks reproduced exactly (each reported as a warning pointing at its source):
an `origin` lost to an `origins` list (or the reverse) on a shared path; a comma-separated
`origin` replacing the merged list; `'*'` with `allowCredentials` (browsers refuse it); only the
first `*` of a wildcard origin becoming `.+`, and the static header carrying the wildcard
literally; `ANY` expanding into duplicate methods; methods sent exactly as written (lower case).
"""

from __future__ import annotations

from typing import Any

from corsway.compile import naming
from corsway.compile.apigateway.events import HttpEvent, Preflight
from corsway.compile.apigateway.restapi import ResourceTree
from corsway.compile.context import CompileContext
from corsway.service.jsvalues import as_dict, js_ordered, js_string

ANY_EXPANSION = "DELETE,GET,HEAD,PATCH,POST,PUT"
VALID_METHODS = ("GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE", "ANY")


def js_template(value: Any) -> str:
    """`${value}` in a JS template literal (`undefined` for a missing value)."""
    if value is None:
        return "undefined"
    text = js_string(value)
    return "[object Object]" if text is None else text


def js_join(items: list[Any]) -> str:
    """`array.join(',')`: `null`/`undefined` items become empty strings."""
    return ",".join("" if item is None else js_template(item) for item in items)


def resolve_origins(preflight: Preflight) -> tuple[Any, list[Any]]:
    """(static Allow-Origin value, origins list for the VTL template), per the framework."""
    origin = preflight.origin
    origins = list(preflight.origins)
    if isinstance(origin, str) and "," in origin:
        origins = [part.strip() for part in origin.split(",")]
    if origins:
        origin = origins[0]
    return origin, origins


def origin_pattern(origin: Any) -> str:
    """The Java regex the VTL template tests: `.` -> `[.]`, only the first `*` -> `.+`."""
    return js_template(origin).replace(".", "[.]").replace("*", ".+", 1)


def response_template(origins: list[Any]) -> str:
    """The VTL that echoes a matching request Origin into Access-Control-Allow-Origin."""
    checks = " || ".join(f'$origin.matches("{origin_pattern(origin)}")' for origin in origins)
    return (
        '#set($origin = $input.params("Origin"))\n'
        '#if($origin == "") #set($origin = $input.params("origin")) #end\n'
        f"#if({checks}) #set($context.responseOverride.header.Access-Control-Allow-Origin = "
        "$origin) #end"
    )


def preflight_headers(preflight: Preflight) -> tuple[dict[str, str], list[Any]]:
    """The preflight's response headers (in emission order) and its origins list."""
    origin, origins = resolve_origins(preflight)
    headers = {
        "Access-Control-Allow-Origin": f"'{js_template(origin)}'",
        "Access-Control-Allow-Headers": f"'{js_join(preflight.headers)}'",
        "Access-Control-Allow-Methods": f"'{js_join(preflight.methods)}'",
    }
    if preflight.allow_credentials:
        headers["Access-Control-Allow-Credentials"] = "'true'"
    if preflight.max_age:
        headers["Access-Control-Max-Age"] = f"'{js_template(preflight.max_age)}'"
    if preflight.cache_control:
        headers["Cache-Control"] = f"'{js_template(preflight.cache_control)}'"
    if "ANY" in preflight.methods:
        value = headers["Access-Control-Allow-Methods"]
        headers["Access-Control-Allow-Methods"] = value.replace("ANY", ANY_EXPANSION, 1)
    return headers, origins


def compile_cors(
    ctx: CompileContext,
    preflights: dict[str, Preflight],
    tree: ResourceTree,
    method_ids: list[str],
) -> None:
    """One OPTIONS method per path that has cors, in the order paths were first seen."""
    for path, preflight in js_ordered(dict(preflights)).items():
        headers, origins = preflight_headers(preflight)
        logical_id = naming.method_id(tree.resource_name(path), "options")
        method_ids.append(logical_id)
        response_parameters = {f"method.response.header.{name}": True for name in headers}
        integration_parameters = {
            f"method.response.header.{name}": value for name, value in headers.items()
        }
        ctx.merge_resource(
            logical_id,
            {
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "AuthorizationType": "NONE",
                    "HttpMethod": "OPTIONS",
                    "MethodResponses": [
                        {
                            "StatusCode": "200",
                            "ResponseParameters": response_parameters,
                            "ResponseModels": {},
                        }
                    ],
                    "RequestParameters": {},
                    "Integration": {
                        "Type": "MOCK",
                        "RequestTemplates": {"application/json": "{statusCode:200}"},
                        "ContentHandling": "CONVERT_TO_TEXT",
                        "IntegrationResponses": [
                            {
                                "StatusCode": "200",
                                "ResponseParameters": integration_parameters,
                                "ResponseTemplates": {
                                    "application/json": response_template(origins)
                                    if origins
                                    else ""
                                },
                            }
                        ],
                    },
                    "ResourceId": tree.resource_id(path),
                    "RestApiId": ctx.rest_api_id(),
                },
            },
        )
        _warn_quirks(ctx, preflight, headers, origins)


def _cors_path(event: HttpEvent, key: str | None = None) -> tuple[str | int, ...]:
    base = event.at("cors")
    return (*base, key) if key else base


def _warn_quirks(
    ctx: CompileContext, preflight: Preflight, headers: dict[str, str], origins: list[Any]
) -> None:
    events = preflight.events
    shown_path = f"/{preflight.path}"
    last = events[-1]
    last_cors = as_dict(last.raw.get("cors"))

    # A single `origin` that does not make it into the preflight.
    for event in events:
        cors = event.raw.get("cors")
        if not isinstance(cors, dict) or not isinstance(cors.get("origin"), str):
            continue
        origin = cors["origin"]
        if "," in origin:
            continue
        lost_to_list = bool(origins) and origin != origins[0] and origin not in origins
        lost_to_later = event is not last and origin != preflight.origin and not origins
        if lost_to_list:
            ctx.warn(
                f"cors.origin {origin!r} is silently dropped: on {shown_path} another event has "
                "an origins list, and the preflight allows "
                f"{headers['Access-Control-Allow-Origin']} "
                "(plus the list's patterns) instead; list this origin under origins: too",
                _cors_path(event, "origin"),
                rule="CW002",
            )
        elif lost_to_later:
            ctx.warn(
                f"cors.origin {origin!r} is replaced: on {shown_path} the preflight takes the "
                f"origin of the last event with cors ({headers['Access-Control-Allow-Origin']}), "
                "so a browser on this origin fails the preflight; use origins: [...] on every "
                "event of the path",
                _cors_path(event, "origin"),
                rule="CW002",
            )
    # A comma-separated origin replaces whatever origins were merged.
    if isinstance(last_cors.get("origin"), str) and "," in last_cors["origin"]:
        merged = [o for o in preflight.origins if o not in origins]
        if merged:
            ctx.warn(
                f"the comma-separated cors.origin replaces the origins list merged on "
                f"{shown_path}: {', '.join(repr(o) for o in merged)} no longer "
                f"{'matches' if len(merged) == 1 else 'match'}",
                _cors_path(last, "origin"),
                rule="CW002",
            )
    elif last_cors and "origins" in last_cors and "origin" in last_cors:
        ctx.warn(
            f"cors.origin is ignored because this event also has origins: the preflight uses "
            f"origins[0] ({headers['Access-Control-Allow-Origin']}) as its static value",
            _cors_path(last, "origin"),
            rule="CW002",
        )
    # An empty origins list (still "set") leaves no origin at all: the header says 'undefined'.
    if headers["Access-Control-Allow-Origin"] == "'undefined'":
        ctx.warn(
            f"the preflight of {shown_path} answers Access-Control-Allow-Origin 'undefined': "
            "the last event with cors has an empty origins list, which drops the default '*' "
            "without naming an origin; list the allowed origins",
            _cors_path(last, "origins") if "origins" in last_cors else _cors_path(last),
            rule="CW013",
        )
    # '*' together with credentials: browsers refuse credentialed requests with '*'.
    if preflight.allow_credentials and headers["Access-Control-Allow-Origin"] == "'*'":
        event = next(e for e in events if e.cors and e.cors.get("allowCredentials"))
        ctx.warn(
            f"cors on {shown_path} answers Access-Control-Allow-Origin '*' with "
            "Access-Control-Allow-Credentials 'true'; browsers reject that combination, so "
            "credentialed requests fail — name the allowed origins instead",
            _cors_path(event, "allowCredentials"),
            rule="CW001",
        )
    # Wildcard origins.
    for event in events:
        cors = event.raw.get("cors")
        if not isinstance(cors, dict) or not isinstance(cors.get("origins"), list):
            continue
        for index, origin in enumerate(cors["origins"]):
            if not isinstance(origin, str) or "*" not in origin or origin == "*":
                continue
            if origin.count("*") > 1:
                ctx.warn(
                    f"cors origin {origin!r}: only the first * becomes a wildcard (.+); the "
                    f"others are regex quantifiers, so the pattern is {origin_pattern(origin)!r}",
                    (*_cors_path(event, "origins"), index),
                    rule="CW013",
                )
            if origins and origin == origins[0]:
                ctx.warn(
                    f"cors origin {origin!r} is the first of the list, so the preflight's static "
                    f"Access-Control-Allow-Origin is the literal {origin!r}; a browser whose "
                    "origin matches no pattern gets this value, which never matches",
                    (*_cors_path(event, "origins"), index),
                    rule="CW013",
                )
        if "*" in cors["origins"]:
            ctx.warn(
                "cors origin '*' inside origins becomes the pattern .+, which echoes any "
                "request Origin back",
                (*_cors_path(event, "origins"), cors["origins"].index("*")),
                rule="CW013",
            )
    # Lower-case or invalid methods go out as written (the schema check warns about them).
    allow_methods = headers["Access-Control-Allow-Methods"].strip("'").split(",")
    if "ANY" in preflight.methods:
        duplicates = sorted({m for m in allow_methods if allow_methods.count(m) > 1})
        if duplicates:
            event = next(e for e in events if e.cors and "ANY" in (e.cors.get("methods") or []))
            ctx.warn(
                f"ANY expands to {ANY_EXPANSION} in the preflight of {shown_path}, which repeats "
                f"{', '.join(duplicates)} ({headers['Access-Control-Allow-Methods']})",
                event.at("method") if event.method == "any" else _cors_path(event, "methods"),
                rule="CW013",
            )
