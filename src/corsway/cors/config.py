"""Checking a CORS configuration: the error types and the check of each field but ``origins``
(see ``matching.py``). Every check appends what is wrong to a list of problems instead of raising,
so that ``CorsConfigError`` lists every problem at once."""

from __future__ import annotations

from corsway.cors.protocol import (
    FORBIDDEN_METHODS,
    FORBIDDEN_REQUEST_HEADERS,
    FORBIDDEN_RESPONSE_HEADERS,
    NORMALISED_METHODS,
    REQUEST_ONLY_HEADERS,
    RESPONSE_HEADERS,
    is_token,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from re import Pattern

MAX_AGE_LIMIT = 86400
SHOWN_IN_REASONS = 3
# The order in which problems are listed: the order of CorsPolicy's keyword arguments.
FIELD_ORDER = (
    "origins", "methods", "request_headers", "expose_headers", "credentials", "max_age",
    "private_network", "preflight_status", "origin_regex", "allow_origin",
    "allow_insecure_origins", "debug",
)  # fmt: skip
# Probes for "can this regex / callable match anything?" (RFC 2606 reserves .invalid).
PROBE_ORIGINS = (
    "https://corsway-probe.invalid",
    "http://corsway-probe.invalid",
    "https://corsway-probe.invalid:8443",
    "https://www.example.com.corsway-probe.invalid",
)


class CorsConfigProblem:
    """One problem in a CORS configuration: the field, the offending value and what is wrong."""

    __slots__ = ("field", "message", "value")
    __module__ = "corsway.cors"  # its public home (repr, pickles, tracebacks)

    field: str
    value: object
    message: str

    def __init__(self, field: str, value: object, message: str) -> None:
        object.__setattr__(self, "field", field)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "message", message)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __str__(self) -> str:
        return f"{self.field} = {self.value!r}: {self.message}"

    def __repr__(self) -> str:
        return f"CorsConfigProblem({self.field!r}, {self.value!r}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CorsConfigProblem):
            return NotImplemented
        return (self.field, self.message, repr(self.value)) == (
            other.field,
            other.message,
            repr(other.value),
        )

    def __hash__(self) -> int:
        return hash((self.field, self.message))


class CorsConfigError(ValueError):
    """An invalid CORS configuration; ``problems`` lists every problem found, not just the first.

    A ``ValueError`` (not a ``corsway.errors.CorswayError``, whose module imports ``dataclasses``
    and would cost Lambda cold starts ~20 ms): code that knows the source file wraps each problem
    into a ``Diagnostic`` with its location.
    """

    __module__ = "corsway.cors"  # its public home (repr, pickles, tracebacks)

    problems: tuple[CorsConfigProblem, ...]

    def __init__(self, problems: Iterable[CorsConfigProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "".join(f"\n  - {problem}" for problem in self.problems)
        super().__init__(
            f"invalid CORS policy ({count} problem{'s' if count != 1 else ''}):{lines}"
        )


def sort_problems(problems: list[CorsConfigProblem]) -> None:
    """Sort ``problems`` in place by field, in the order of ``CorsPolicy``'s arguments."""
    problems.sort(key=lambda problem: FIELD_ORDER.index(problem.field.split("[")[0]))


def summary(items: list[str], shown: int = SHOWN_IN_REASONS) -> str:
    """The first ``shown`` items, comma-separated, and how many more there are."""
    text = ", ".join(items[:shown])
    if len(items) > shown:
        text += f" and {len(items) - shown} more"
    return text


def names(
    field: str,
    value: object,
    problems: list[CorsConfigProblem],
) -> list[tuple[str, str]]:
    """Check that ``value`` is a list of strings; return ``(field[i], item)`` pairs."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        hint = ""
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            hint = f"; write {parts!r}"
        problems.append(
            CorsConfigProblem(
                field, value, f"must be a list of strings, not {type(value).__name__}{hint}"
            )
        )
        return []
    if hasattr(value, "keys"):
        problems.append(CorsConfigProblem(field, value, "must be a list of strings, not a mapping"))
        return []
    items: list[tuple[str, str]] = []
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        if isinstance(item, str):
            items.append((where, item))
        else:
            problems.append(
                CorsConfigProblem(where, item, f"must be a string, not {type(item).__name__}")
            )
    return items


def check_bool(field: str, value: object, problems: list[CorsConfigProblem]) -> bool:
    if isinstance(value, bool):
        return value
    problems.append(CorsConfigProblem(field, value, "must be True or False"))
    return False


def check_max_age(value: object, problems: list[CorsConfigProblem]) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_AGE_LIMIT:
        return value
    problems.append(
        CorsConfigProblem(
            "max_age",
            value,
            f"must be whole seconds from 0 to {MAX_AGE_LIMIT} (browsers cap it: Chromium at "
            "7200, Firefox at 86400), or None to leave the header out",
        )
    )
    return None


def check_preflight_status(value: object, problems: list[CorsConfigProblem]) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 200 <= value <= 299:
        return value
    problems.append(
        CorsConfigProblem(
            "preflight_status",
            value,
            "must be an ok status from 200 to 299 (browsers fail a preflight with any other "
            "status), usually 204 or 200",
        )
    )
    return 204


def check_origin_regex(
    value: object, credentials: bool, problems: list[CorsConfigProblem]
) -> Pattern[str] | None:
    if value is None:
        return None
    import re

    regex: Pattern[str]
    if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
        regex = value
    elif isinstance(value, str):
        try:
            regex = re.compile(value)
        except re.error as error:
            problems.append(
                CorsConfigProblem(
                    "origin_regex", value, f"is not a valid regular expression: {error}"
                )
            )
            return None
    else:
        problems.append(
            CorsConfigProblem(
                "origin_regex",
                value,
                "must be a regular expression (str or compiled) matched against the whole "
                "origin, e.g. r'https://(app|admin)\\.example\\.com'",
            )
        )
        return None
    if credentials:
        leaked = [probe for probe in PROBE_ORIGINS if regex.fullmatch(probe)]
        if leaked:
            problems.append(
                CorsConfigProblem(
                    "origin_regex",
                    regex.pattern,
                    f"matches {leaked[0]!r}, an origin nobody owns, so it can match any site; "
                    "with credentials=True anchor it to your own domains, e.g. "
                    "r'https://([a-z0-9-]+\\.)*example\\.com'",
                )
            )
            return None
    return regex


def check_allow_origin(
    value: object, credentials: bool, problems: list[CorsConfigProblem]
) -> Callable[[str], bool] | None:
    if value is None:
        return None
    if not callable(value):
        problems.append(
            CorsConfigProblem(
                "allow_origin",
                value,
                "must be a callable taking the origin (str) and returning True or False",
            )
        )
        return None
    if credentials:
        for probe in PROBE_ORIGINS:
            try:
                verdict = value(probe)
            except Exception as error:  # the user's code: report it, don't crash
                problems.append(
                    CorsConfigProblem(
                        "allow_origin",
                        value,
                        f"raised {type(error).__name__}: {error} for the probe origin {probe!r}; "
                        "it must return True or False for any origin",
                    )
                )
                return None
            if verdict is True:
                problems.append(
                    CorsConfigProblem(
                        "allow_origin",
                        value,
                        f"returns True for {probe!r}, an origin nobody owns, so it can allow any "
                        "site; with credentials=True it must only accept origins you trust",
                    )
                )
                return None
    return value


def check_methods(value: object, problems: list[CorsConfigProblem]) -> tuple[list[str], bool]:
    methods: list[str] = []
    any_method = False
    for where, raw in names("methods", value, problems):
        if raw == "*":
            any_method = True
            continue
        if not is_token(raw):
            problems.append(
                CorsConfigProblem(where, raw, "is not an HTTP method (a token such as 'PATCH')")
            )
            continue
        upper = raw.upper()
        if upper in FORBIDDEN_METHODS:
            problems.append(
                CorsConfigProblem(
                    where, raw, f"{upper} is a forbidden method: browsers never send it"
                )
            )
            continue
        method = upper if upper in NORMALISED_METHODS else raw
        if method not in methods:
            methods.append(method)
    return methods, any_method


def check_request_headers(
    value: object, problems: list[CorsConfigProblem]
) -> tuple[list[str], bool]:
    header_names: list[str] = []
    any_header = False
    for where, raw in names("request_headers", value, problems):
        if raw == "*":
            any_header = True
            continue
        lower = raw.lower()
        if not is_token(raw):
            problem = "is not a header name (a token such as 'X-Api-Key')"
        elif lower in FORBIDDEN_REQUEST_HEADERS or lower.startswith(("sec-", "proxy-")):
            problem = (
                "is a forbidden request header: browsers set it themselves and never ask for it "
                "in a preflight, so allowing it has no effect"
            )
        elif lower in RESPONSE_HEADERS:
            problem = "is a response header; request_headers lists request headers"
        else:
            if all(lower != name.lower() for name in header_names):
                header_names.append(raw)
            continue
        problems.append(CorsConfigProblem(where, raw, problem))
    return header_names, any_header


def check_expose_headers(
    value: object, credentials: bool, problems: list[CorsConfigProblem]
) -> list[str]:
    header_names: list[str] = []
    for where, raw in names("expose_headers", value, problems):
        lower = raw.lower()
        if raw == "*" and credentials:
            problem = (
                "'*' exposes nothing with credentials=True (browsers read it literally); list "
                "the header names to expose"
            )
        elif raw != "*" and not is_token(raw):
            problem = "is not a header name (a token such as 'X-Request-Id')"
        elif lower in FORBIDDEN_RESPONSE_HEADERS:
            problem = "can never be exposed: browsers hide Set-Cookie from scripts"
        elif lower in REQUEST_ONLY_HEADERS:
            problem = "is a request header; expose_headers lists response headers"
        else:
            if all(lower != name.lower() for name in header_names):
                header_names.append(raw)
            continue
        problems.append(CorsConfigProblem(where, raw, problem))
    return header_names
