"""``CorsPolicy``: a checked configuration turned into ready-made answers, and ``decide()``."""

from __future__ import annotations

from itertools import combinations

from corsway.cors.config import (
    CorsConfigError,
    CorsConfigProblem,
    check_allow_origin,
    check_bool,
    check_expose_headers,
    check_max_age,
    check_methods,
    check_origin_regex,
    check_preflight_status,
    check_request_headers,
    sort_problems,
    summary,
)
from corsway.cors.decision import CorsDecision, make_decision, new_tuple
from corsway.cors.matching import OriginTable
from corsway.cors.preflight import PreflightRules
from corsway.cors.protocol import (
    ALLOW_CREDENTIALS,
    ALLOW_HEADERS,
    ALLOW_ORIGIN,
    EXPOSE_HEADERS,
    MAX_AGE,
    ORIGIN,
    REQUEST_HEADERS,
    REQUEST_METHOD,
    REQUEST_PRIVATE_NETWORK,
    SAFELISTED_METHODS,
    VARY,
    VARY_ORIGIN,
    VARY_PREFLIGHT,
    VARY_PREFLIGHT_PNA,
    find,
    lookup,
    non_str_header,
    read_pairs,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from re import Pattern
    from typing import TypeAlias

    from corsway.cors.decision import Grant, HeaderPairs

    RequestHeaders: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]]

_MAX_ENUMERATED_HEADERS = 12  # up to 4095 precomputed Allow-Headers answers
_MAX_PRECOMPUTED = 4096  # whole preflight decisions per (origin, header list): about 1 MB


class CorsPolicy(PreflightRules):
    """A validated, immutable CORS policy; ``decide()`` answers one request.

    Every argument is keyword-only; ``corsway.cors``'s docstring gives the exact semantics.
    Raises :class:`CorsConfigError` listing every problem when the configuration is invalid or
    dangerous.
    """

    __module__ = "corsway.cors"  # its public home (repr, pickles, tracebacks)

    __slots__ = (
        "_cfg_allow_insecure_origins",
        "_cfg_credentials",
        "_cfg_expose_headers",
        "_cfg_max_age",
        "_cfg_methods",
        "_cfg_origins",
        "_cfg_request_headers",
        "_no_origin",
        "_no_origin_options",
        "_plain_methods",
        "_preflight_suffixes",
        "_private_network",
        "_star_actual",
        "_star_options",
        "_tail_actual",
        "_tail_options",
        "_vary_actual",
    )

    _cfg_allow_insecure_origins: bool
    _cfg_credentials: bool
    _cfg_expose_headers: tuple[str, ...]
    _cfg_max_age: int | None
    _cfg_methods: tuple[str, ...]
    _cfg_origins: tuple[str, ...]
    _cfg_request_headers: tuple[str, ...]
    _no_origin: CorsDecision
    _no_origin_options: CorsDecision
    _plain_methods: frozenset[str]
    _preflight_suffixes: dict[str, HeaderPairs]
    _private_network: bool
    _star_actual: CorsDecision
    _star_options: CorsDecision
    _tail_actual: HeaderPairs
    _tail_options: HeaderPairs
    _vary_actual: HeaderPairs

    def __init__(
        self,
        *,
        origins: Iterable[str] = (),
        methods: Iterable[str] = (),
        request_headers: Iterable[str] = (),
        expose_headers: Iterable[str] = (),
        credentials: bool = False,
        max_age: int | None = None,
        private_network: bool = False,
        preflight_status: int = 204,
        origin_regex: str | Pattern[str] | None = None,
        allow_origin: Callable[[str], bool] | None = None,
        allow_insecure_origins: bool = False,
        debug: bool = False,
    ) -> None:
        problems: list[CorsConfigProblem] = []
        credentials = check_bool("credentials", credentials, problems)
        private_network = check_bool("private_network", private_network, problems)
        allow_insecure = check_bool("allow_insecure_origins", allow_insecure_origins, problems)
        debug = check_bool("debug", debug, problems)
        max_age = check_max_age(max_age, problems)
        preflight_status = check_preflight_status(preflight_status, problems)
        origin_table = OriginTable(origins, credentials, allow_insecure, problems)
        regex = check_origin_regex(origin_regex, credentials, problems)
        origin_callable = check_allow_origin(allow_origin, credentials, problems)
        if (
            origin_table.empty
            and origin_regex is None
            and allow_origin is None
            and not any(problem.field.startswith("origins") for problem in problems)
        ):
            problems.append(
                CorsConfigProblem(
                    "origins",
                    origins,
                    "allows no origin; list at least one, e.g. ['https://app.example.com'], "
                    "or give origin_regex= or allow_origin=",
                )
            )
        method_list, any_method = check_methods(methods, problems)
        header_list, any_header = check_request_headers(request_headers, problems)
        expose_list = check_expose_headers(expose_headers, credentials, problems)
        if problems:
            sort_problems(problems)
            raise CorsConfigError(problems)

        shown_origins = origin_table.shown
        if regex is not None:
            shown_origins.append(f"origin_regex {regex.pattern!r}")
        if origin_callable is not None:
            shown_origins.append("allow_origin callable")
        put = object.__setattr__
        put(self, "_cfg_origins", tuple(shown_origins))
        put(self, "_cfg_methods", (("*",) if any_method else ()) + tuple(method_list))
        put(self, "_cfg_request_headers", (("*",) if any_header else ()) + tuple(header_list))
        put(self, "_cfg_expose_headers", tuple(expose_list))
        put(self, "_cfg_credentials", credentials)
        put(self, "_cfg_max_age", max_age)
        put(self, "_cfg_allow_insecure_origins", allow_insecure)
        put(self, "_private_network", private_network)
        put(self, "_debug", debug)
        put(self, "_preflight_status", preflight_status)
        put(self, "_origin_refused", f" is not allowed (allowed: {summary(shown_origins)})")

        # Headers that do not depend on the request. A "*" policy without credentials answers
        # everyone alike; every other policy's answer depends on Origin.
        star = origin_table.star and not credentials
        put(self, "_star", star)
        vary_preflight = VARY_PREFLIGHT_PNA if private_network else VARY_PREFLIGHT
        vary_actual: HeaderPairs = () if star else ((VARY, VARY_ORIGIN),)
        vary_options: HeaderPairs = ((VARY, vary_preflight),)
        expose: HeaderPairs = ((EXPOSE_HEADERS, ", ".join(expose_list)),) if expose_list else ()
        creds: HeaderPairs = ((ALLOW_CREDENTIALS, "true"),) if credentials else ()
        put(self, "_vary_actual", vary_actual)
        put(self, "_vary_options", vary_options)
        put(self, "_credentials", creds)
        put(self, "_tail_actual", creds + expose + vary_actual)
        put(self, "_tail_options", creds + expose + vary_options)
        max_age_pair: HeaderPairs = ((MAX_AGE, str(max_age)),) if max_age is not None else ()
        put(self, "_tail_preflight", max_age_pair + vary_options)
        star_headers: HeaderPairs = ((ALLOW_ORIGIN, "*"), *expose) if star else ()
        put(self, "_no_origin", make_decision("none", True, None, star_headers + vary_actual, ""))
        put(
            self,
            "_no_origin_options",
            make_decision("none", True, None, star_headers + vary_options, ""),
        )
        put(
            self,
            "_star_actual",
            make_decision("actual", True, None, star_headers + vary_actual, ""),
        )
        put(
            self,
            "_star_options",
            make_decision("actual", True, None, star_headers + vary_options, ""),
        )

        self._init_rules(method_list, any_method, header_list, any_header, credentials)

        # The preflight fast path: methods answered by the static Allow-Methods value, and for
        # every sorted lower-case list of allowed names (what browsers send) the rest of the
        # answer after Allow-Origin / Allow-Credentials.
        if any_method and credentials:
            plain_methods: frozenset[str] = frozenset()
        else:
            plain_methods = frozenset(method_list) | SAFELISTED_METHODS
        put(self, "_plain_methods", plain_methods)
        suffixes: dict[str, HeaderPairs] = {}
        if not any_header:
            lowered = sorted({name.lower() for name in header_list})
            sizes = range(1, len(lowered) + 1) if len(lowered) <= _MAX_ENUMERATED_HEADERS else (1,)
            for size in sizes:
                for combination in combinations(lowered, size):
                    value = ",".join(combination)
                    suffixes[value] = (
                        *self._allow_methods,
                        (ALLOW_HEADERS, value),
                        *self._tail_preflight,
                    )
        put(self, "_preflight_suffixes", suffixes)

        # origins (a "*" policy needs no table: every origin gets the same answer)
        table: dict[str, Grant] = {}
        if not star:
            with_preflights = (
                len(origin_table.exact) * len(self._preflight_suffixes) <= _MAX_PRECOMPUTED
            )
            for origin in origin_table.exact:
                table[origin] = self._grant(((ALLOW_ORIGIN, origin),), with_preflights)
        put(self, "_exact", table)
        self._init_matching(origin_table, regex, origin_callable, star)

    def _grant(self, head: HeaderPairs, with_preflights: bool) -> Grant:
        """Ready-made answers for an allowed origin whose Allow-Origin pair is ``head``."""
        actual = make_decision("actual", True, None, head + self._tail_actual, "")
        options = make_decision("actual", True, None, head + self._tail_options, "")
        preflight_head = head + self._credentials
        plain: CorsDecision | None = None
        preflights: dict[str, CorsDecision] = {}
        if not (self._any_method and self._credentials):
            headers = preflight_head + self._allow_methods + self._tail_preflight
            plain = make_decision("preflight", True, self._preflight_status, headers, "")
            if with_preflights:
                for value, suffix in self._preflight_suffixes.items():
                    headers = preflight_head + suffix
                    preflights[value] = make_decision(
                        "preflight", True, self._preflight_status, headers, ""
                    )
        return actual, options, preflight_head, plain, preflights

    # --- read-only view of the (normalised) configuration ---------------------------------------

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("CorsPolicy is immutable; build a new one")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("CorsPolicy is immutable; build a new one")

    @property
    def origins(self) -> tuple[str, ...]:
        """Allowed origins and patterns, normalised; regex / callable shown as markers."""
        return self._cfg_origins

    @property
    def methods(self) -> tuple[str, ...]:
        """Configured methods, normalised (``"*"`` first when given)."""
        return self._cfg_methods

    @property
    def request_headers(self) -> tuple[str, ...]:
        """Configured request header names as spelt (``"*"`` first when given)."""
        return self._cfg_request_headers

    @property
    def expose_headers(self) -> tuple[str, ...]:
        """Configured exposed response header names as spelt."""
        return self._cfg_expose_headers

    @property
    def credentials(self) -> bool:
        """Whether credentialed requests (cookies, client certificates) are allowed."""
        return self._cfg_credentials

    @property
    def max_age(self) -> int | None:
        """Seconds browsers may cache a preflight answer; None leaves the header out."""
        return self._cfg_max_age

    @property
    def private_network(self) -> bool:
        """Whether Private Network Access preflights get the opt-in header."""
        return self._private_network

    @property
    def preflight_status(self) -> int:
        """Status of an allowed preflight answer."""
        return self._preflight_status

    @property
    def debug(self) -> bool:
        """Whether refused preflights get an ok status and the headers that passed."""
        return self._debug

    def __repr__(self) -> str:
        fields = [f"origins={list(self._cfg_origins)!r}"]
        if self._cfg_methods:
            fields.append(f"methods={list(self._cfg_methods)!r}")
        if self._cfg_request_headers:
            fields.append(f"request_headers={list(self._cfg_request_headers)!r}")
        if self._cfg_expose_headers:
            fields.append(f"expose_headers={list(self._cfg_expose_headers)!r}")
        fields.append(f"credentials={self._cfg_credentials!r}")
        fields.append(f"max_age={self._cfg_max_age!r}")
        for name in ("private_network", "allow_insecure_origins", "debug"):
            if getattr(self, "_" + name, False) or getattr(self, "_cfg_" + name, False):
                fields.append(f"{name}=True")
        if self._preflight_status != 204:
            fields.append(f"preflight_status={self._preflight_status!r}")
        return f"CorsPolicy({', '.join(fields)})"

    # --- deciding -------------------------------------------------------------------------------

    def decide(self, method: str, headers: RequestHeaders) -> CorsDecision:
        """Decide one request.

        ``method`` as received (case-sensitive); ``headers`` a mapping or an iterable of
        ``(name, value)`` pairs, names case-insensitive, values str.
        """
        try:
            if type(headers) is dict or hasattr(headers, "keys"):
                get = headers.get  # type: ignore[union-attr]
                origin = get("origin")
                if origin is None:
                    lower_case = False
                    origin = get("Origin")
                    if origin is None:
                        origin = find(headers, ORIGIN)  # type: ignore[arg-type]
                        if origin is None:
                            if method == "OPTIONS":
                                return self._no_origin_options
                            return self._no_origin
                else:
                    lower_case = True  # lower-case keys: HTTP/2, ASGI, API Gateway v2
                if method != "OPTIONS":
                    grant = self._exact.get(origin)
                    if grant is not None:
                        return grant[0]
                    if self._plain_refusals and type(origin) is str:  # patterns at most
                        suffixes = self._suffixes
                        if (
                            suffixes
                            and (
                                origin.endswith(suffixes)
                                or (self._any_port_patterns and origin[-1:].isdigit())
                            )
                            and self._matches_pattern(origin)
                        ):
                            answer = ((ALLOW_ORIGIN, origin),) + self._tail_actual  # noqa: RUF005
                            return new_tuple(CorsDecision, ("actual", True, None, answer, ""))
                        reason = f"origin {origin!r}{self._origin_refused}"
                        return new_tuple(
                            CorsDecision, ("actual", False, None, self._vary_actual, reason)
                        )
                    return self._actual(origin, False)
                if lower_case:
                    request_method = get("access-control-request-method")
                    request_headers = get("access-control-request-headers")
                else:
                    request_method = get("Access-Control-Request-Method")
                    request_headers = get("Access-Control-Request-Headers")
                if request_method is None:
                    request_method = find(headers, REQUEST_METHOD)  # type: ignore[arg-type]
                    if request_method is None:  # OPTIONS, but not a preflight
                        grant = self._exact.get(origin)
                        if grant is not None:
                            return grant[1]
                        return self._actual(origin, True)
                if request_headers is None:
                    request_headers = find(headers, REQUEST_HEADERS)  # type: ignore[arg-type]
                if self._private_network:
                    private = lookup(headers, REQUEST_PRIVATE_NETWORK)  # type: ignore[arg-type]
                    if private == "true":
                        return self._preflight(origin, request_method, request_headers, True)
            else:
                origin, request_method, request_headers, private = read_pairs(headers)
                if origin is None:
                    return self._no_origin_options if method == "OPTIONS" else self._no_origin
                if method != "OPTIONS" or request_method is None:
                    options = method == "OPTIONS"
                    grant = self._exact.get(origin)
                    if grant is not None:
                        return grant[1] if options else grant[0]
                    return self._actual(origin, options)
                if private == "true" and self._private_network:
                    return self._preflight(origin, request_method, request_headers, True)
            # An allowed preflight from a listed origin, asking for a method that the static
            # Allow-Methods answers and a sorted lower-case header list (what browsers send).
            grant = self._exact.get(origin)
            if grant is not None and request_method in self._plain_methods:
                if not request_headers:
                    return grant[3]  # type: ignore[return-value]  # not None for _plain_methods
                decision = grant[4].get(request_headers)
                if decision is not None:
                    return decision
                suffix = self._preflight_suffixes.get(request_headers)
                if suffix is not None:
                    answer = grant[2] + suffix
                    return new_tuple(
                        CorsDecision, ("preflight", True, self._preflight_status, answer, "")
                    )
            return self._preflight(origin, request_method, request_headers, False)
        except (TypeError, ValueError) as error:
            culprit = non_str_header(headers)
            if culprit is None:
                raise
            raise TypeError(
                f"decide() takes header names and values as str; got {culprit}"
            ) from error

    def _actual(self, origin: str, options: bool) -> CorsDecision:
        """An actual request whose origin is not in the exact table."""
        if self._star:
            return self._star_options if options else self._star_actual
        if type(origin) is not str:
            raise TypeError(f"the Origin header value must be a str, not {type(origin).__name__}")
        if self._has_matchers and self._matches(origin):
            tail = self._tail_options if options else self._tail_actual
            headers = ((ALLOW_ORIGIN, origin),) + tail  # noqa: RUF005  (faster than unpacking)
            return new_tuple(CorsDecision, ("actual", True, None, headers, ""))
        vary = self._vary_options if options else self._vary_actual
        reason = f"origin {origin!r}{self._origin_refused}"
        return new_tuple(CorsDecision, ("actual", False, None, vary, reason))
