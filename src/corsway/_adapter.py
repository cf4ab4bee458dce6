"""What the adapters (``corsway.aws``, ``corsway.asgi``, ``corsway.wsgi``) share: building the
policy from their options, merging CORS headers into a response, status phrases, lazy logging.

Standard library only, and only the cheap parts of it: the adapters run in Lambda cold starts, so
``logging``, ``json`` and ``traceback`` (tens of milliseconds together) are imported on first use.
"""

from __future__ import annotations

from corsway.cors import RESPONSE_HEADERS, CorsConfigError, CorsConfigProblem, CorsPolicy

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from logging import Logger
    from re import Pattern
    from typing import Any, TypedDict

    class CorsOptions(TypedDict, total=False):
        """The engine's keyword arguments (see ``CorsPolicy``)."""

        origins: Iterable[str]
        methods: Iterable[str]
        request_headers: Iterable[str]
        expose_headers: Iterable[str]
        credentials: bool
        max_age: int | None
        private_network: bool
        preflight_status: int
        origin_regex: str | Pattern[str] | None
        allow_origin: Callable[[str], bool] | None
        allow_insecure_origins: bool
        debug: bool

    class MiddlewareOptions(CorsOptions, total=False):
        """The engine's keyword arguments, or Starlette ``CORSMiddleware``'s names for them."""

        allow_origins: Iterable[str]
        allow_methods: Iterable[str]
        allow_headers: Iterable[str]
        allow_credentials: bool
        allow_origin_regex: str | Pattern[str] | None
        allow_private_network: bool


ENGINE_OPTIONS = (
    "origins",
    "methods",
    "request_headers",
    "expose_headers",
    "credentials",
    "max_age",
    "private_network",
    "preflight_status",
    "origin_regex",
    "allow_origin",
    "allow_insecure_origins",
    "debug",
)
# Starlette's CORSMiddleware name -> the engine's; expose_headers and max_age are spelt alike.
STARLETTE_OPTIONS = {
    "allow_origins": "origins",
    "allow_methods": "methods",
    "allow_headers": "request_headers",
    "allow_credentials": "credentials",
    "allow_origin_regex": "origin_regex",
    "allow_private_network": "private_network",
}
_SHARED_OPTIONS = frozenset({"expose_headers", "max_age"})
# Starlette always allows these request headers and defaults max_age to 600; its names keep that.
_STARLETTE_SAFELISTED = ("Accept", "Accept-Language", "Content-Language", "Content-Type")
_STARLETTE_MAX_AGE = 600

# Response headers that the policy owns: a value the app set for one of them is dropped.
OWNED_HEADERS = RESPONSE_HEADERS
OWNED_HEADERS_BYTES = frozenset(name.encode("latin-1") for name in OWNED_HEADERS)
# Lengths of the owned names and of "vary": a response header of another length is neither.
SPECIAL_LENGTHS = frozenset({len(name) for name in OWNED_HEADERS} | {4})
SPECIAL_NAMES = OWNED_HEADERS | {"vary"}

REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    203: "Non-Authoritative Information",
    204: "No Content",
    205: "Reset Content",
    206: "Partial Content",
    207: "Multi-Status",
    208: "Already Reported",
    226: "IM Used",
    403: "Forbidden",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


def status_line(status: int) -> str:
    """``"204 No Content"``; statuses without a known phrase get ``"OK"``/``"Error"``."""
    return f"{status} {REASONS.get(status) or ('OK' if status < 400 else 'Error')}"


def logger(name: str) -> Logger:
    """The ``logging`` logger ``name``, importing ``logging`` on first use (not at import)."""
    import logging

    return logging.getLogger(name)


# --- options ------------------------------------------------------------------------------------


def build_policy(
    adapter: str,
    policy: object,
    options: Mapping[str, Any],
    starlette_names: bool = False,
) -> CorsPolicy:
    """The policy an adapter was configured with: ``policy=`` or the engine's keyword arguments
    (or, where ``starlette_names``, Starlette's names for them), never both.

    Raises ``CorsConfigError`` for invalid values and ``TypeError`` for unknown option names.
    """
    known = set(ENGINE_OPTIONS) | (set(STARLETTE_OPTIONS) if starlette_names else set())
    unknown = [name for name in options if name not in known]
    if unknown:
        hints = []
        for name in unknown:
            if name in STARLETTE_OPTIONS:
                hints.append(f"{name}= is Starlette's name; write {STARLETTE_OPTIONS[name]}=")
        accepted = ", ".join(sorted(known))
        hint = f" ({'; '.join(hints)})" if hints else ""
        raise TypeError(
            f"{adapter}() got unknown option{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}{hint}; it accepts policy= or: {accepted}"
        )
    if policy is not None:
        if not isinstance(policy, CorsPolicy):
            raise CorsConfigError(
                [
                    CorsConfigProblem(
                        "policy",
                        policy,
                        "must be a corsway.cors.CorsPolicy, e.g. "
                        "policy=CorsPolicy(origins=['https://app.example.com'])",
                    )
                ]
            )
        if options:
            names = ", ".join(f"{name}=" for name in options)
            raise CorsConfigError(
                [
                    CorsConfigProblem(
                        "policy",
                        policy,
                        f"cannot be combined with {names}: pass the options to CorsPolicy(...) "
                        f"or to {adapter}(...), not both",
                    )
                ]
            )
        return policy
    starlette = [name for name in options if name in STARLETTE_OPTIONS]
    if not starlette:
        return CorsPolicy(**options)
    engine = [
        name for name in options if name not in STARLETTE_OPTIONS and name not in _SHARED_OPTIONS
    ]
    if engine:
        pairs = {engine_name: name for name, engine_name in STARLETTE_OPTIONS.items()}
        fixes = ", ".join(
            f"{name}= -> {pairs[name]}=" if name in pairs else f"{name}= (no Starlette name)"
            for name in engine
        )
        raise CorsConfigError(
            [
                CorsConfigProblem(
                    engine[0],
                    options[engine[0]],
                    f"mixes corsway's option names ({', '.join(engine)}) with Starlette's "
                    f"({', '.join(starlette)}); use one style. Starlette names for these: {fixes}",
                )
            ]
        )
    return _starlette_policy(options)


def _starlette_policy(options: Mapping[str, Any]) -> CorsPolicy:
    """A policy from Starlette ``CORSMiddleware`` arguments, keeping Starlette's defaults."""
    mapped: dict[str, Any] = {}
    for name, value in options.items():
        mapped[STARLETTE_OPTIONS.get(name, name)] = value
    headers = mapped.get("request_headers", ())
    if isinstance(headers, (list, tuple, set, frozenset)) and all(
        isinstance(item, str) for item in headers
    ):
        lowered = {item.lower() for item in headers}
        mapped["request_headers"] = [
            *headers,
            *(name for name in _STARLETTE_SAFELISTED if name.lower() not in lowered),
        ]
    mapped.setdefault("max_age", _STARLETTE_MAX_AGE)
    try:
        return CorsPolicy(**mapped)
    except CorsConfigError as error:
        raise CorsConfigError(_starlette_problem(problem) for problem in error.problems) from None


_ENGINE_TO_STARLETTE = {engine: name for name, engine in STARLETTE_OPTIONS.items()}


def _starlette_problem(problem: CorsConfigProblem) -> CorsConfigProblem:
    """The same problem, named and explained in Starlette's terms."""
    base, bracket, rest = problem.field.partition("[")
    field = _ENGINE_TO_STARLETTE.get(base, base) + bracket + rest
    message = problem.message
    for engine_text, starlette_text in (
        ("credentials=True", "allow_credentials=True"),
        ("origin_regex=", "allow_origin_regex="),
        ("request_headers", "allow_headers"),
    ):
        message = message.replace(engine_text, starlette_text)
    if base == "origins" and problem.value == "*" and "credentials" in message:
        message = (
            "'*' cannot be used with allow_credentials=True. Starlette's CORSMiddleware then "
            "reflects every origin, which lets any site read your users' data; corsway refuses "
            "it. List the trusted origins instead, e.g. "
            "allow_origins=['https://app.example.com']"
        )
    elif base == "origins" and isinstance(problem.value, str) and not bracket:
        message += (
            " (Starlette would accept the string and match origins against its substrings, "
            "so 'https://a.c' would pass for 'https://a.com'; corsway refuses it)"
        )
    return CorsConfigProblem(field, problem.value, message)


def starlette_reason(reason: str) -> str:
    """An engine refusal reason with the option names spelt as Starlette spells them."""
    return reason.replace("to request_headers", "to allow_headers")


def check_choice(field: str, value: object, choices: tuple[object, ...]) -> None:
    """Raise ``CorsConfigError`` unless ``value`` is one of ``choices``."""
    for choice in choices:
        if type(value) is type(choice) and value == choice:
            return
    shown = " or ".join(repr(choice) for choice in choices)
    raise CorsConfigError([CorsConfigProblem(field, value, f"must be {shown}")])


# --- merging headers ----------------------------------------------------------------------------


def merge_vary(existing: Iterable[object], ours: str) -> str:
    """One ``Vary`` value: the app's tokens in order, then ours that are missing (case-insensitive
    comparison, no duplicates); ``*`` absorbs everything."""
    tokens: list[str] = []
    seen: set[str] = set()
    for value in (*existing, ours):
        for item in str(value).split(","):
            token = item.strip(" \t")
            if not token:
                continue
            lower = token.lower()
            if lower == "*":
                return "*"
            if lower not in seen:
                seen.add(lower)
                tokens.append(token)
    return ", ".join(tokens)


class Warner:
    """Logs a warning the first time the app sets each CORS header that the policy owns."""

    __slots__ = ("_logger_name", "_seen", "_what")

    def __init__(self, logger_name: str, what: str) -> None:
        self._logger_name = logger_name
        self._what = what
        self._seen: set[str] = set()

    def __call__(self, name: str) -> None:
        lower = name.lower()
        if lower in self._seen:
            return
        self._seen.add(lower)
        logger(self._logger_name).warning(
            "%s set the CORS header %r; the CORS policy owns it and its value replaced the "
            "app's (remove it from the app; logged once per header name)",
            self._what,
            name,
        )


def merge_single(
    headers: Mapping[Any, Any] | None, cors: Sequence[tuple[str, str]], warn: Warner
) -> dict[Any, Any]:
    """A new ``{name: value}`` map: ``headers`` without the CORS headers the policy owns, plus
    ``cors`` (``Vary`` merged with the app's). ``headers`` itself is never modified."""
    if not headers:
        return dict(cors)
    merged = dict(headers)
    try:
        names = "\n".join(merged).lower()
    except TypeError:  # a name that is not a str
        names = "access-control-"
    if "access-control-" not in names and "vary" not in names:
        merged.update(cors)
        return merged
    vary = _take_owned(merged, cors, warn)
    for name, value in cors:
        merged[name] = merge_vary(vary, value) if name == "Vary" else value
    return merged


def _take_owned(
    merged: dict[Any, Any], cors: Sequence[tuple[str, str]], warn: Warner
) -> list[object]:
    """Drop the app's values of the headers the policy owns from `merged` (warning once per
    name); when the policy sends Vary, also take out the app's Vary values and return them."""
    sends_vary = any(name == "Vary" for name, _ in cors)
    taken: list[object] = []
    for key in list(merged):
        lower = key.lower() if isinstance(key, str) else ""
        if lower in OWNED_HEADERS:
            del merged[key]
            warn(key)
        elif lower == "vary" and sends_vary:
            taken.append(merged.pop(key))
    return taken


def merge_multi(
    headers: Mapping[Any, Any] | None,
    cors: Sequence[tuple[str, str]],
    warn: Warner,
    extra_vary: Iterable[object] = (),
) -> dict[Any, Any]:
    """Like :func:`merge_single` for a ``{name: [values]}`` map (``multiValueHeaders``); the
    app's Vary values in ``extra_vary`` (from its single-value map) are merged in too."""
    merged = dict(headers) if headers else {}
    vary: list[object] = []
    for values in _take_owned(merged, cors, warn):
        vary.extend([values] if isinstance(values, str) else values or ())  # type: ignore[arg-type]
    vary.extend(extra_vary)  # API Gateway lists multi-values before single values
    for name, value in cors:
        merged[name] = [merge_vary(vary, value) if name == "Vary" else value]
    return merged


def without_owned(
    headers: Mapping[Any, Any], warn: Warner, take_vary: bool
) -> tuple[dict[Any, Any], list[object]]:
    """A copy of ``headers`` without the owned CORS headers (and without Vary if ``take_vary``),
    and the Vary values taken out (each a value or a list of values)."""
    kept = dict(headers)
    vary: list[object] = []
    for key in list(kept):
        lower = key.lower() if isinstance(key, str) else ""
        if lower in OWNED_HEADERS:
            del kept[key]
            warn(key)
        elif lower == "vary" and take_vary:
            values = kept.pop(key)
            if isinstance(values, (list, tuple)):
                vary.extend(values)
            else:
                vary.append(values)
    return kept, vary
