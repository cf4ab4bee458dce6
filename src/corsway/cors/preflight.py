"""Preflights beyond the ready-made answers: checking the requested method and headers,
refusals and debug answers (``CorsPolicy`` derives from ``PreflightRules``)."""

from __future__ import annotations

from corsway.cors.config import summary
from corsway.cors.decision import CorsDecision, make_decision, new_tuple
from corsway.cors.matching import OriginMatcher
from corsway.cors.protocol import (
    ALLOW_HEADERS,
    ALLOW_METHODS,
    ALLOW_ORIGIN,
    ALLOW_PRIVATE_NETWORK,
    SAFELISTED_METHODS,
    is_token,
    parse_header_list,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from corsway.cors.decision import Grant, HeaderPairs


class PreflightRules(OriginMatcher):
    """The allowed methods and request headers, and the preflight answers built from them."""

    __slots__ = (
        "_allow_methods",
        "_allowed_headers",
        "_any_header",
        "_any_method",
        "_authorization_allowed",
        "_credentials",
        "_debug",
        "_exact",
        "_header_reason",
        "_method_reason",
        "_methods",
        "_origin_refused",
        "_preflight_status",
        "_star",
        "_tail_preflight",
        "_vary_options",
    )

    _allow_methods: HeaderPairs
    _allowed_headers: frozenset[str]
    _any_header: bool
    _any_method: bool
    _authorization_allowed: bool
    _credentials: HeaderPairs
    _debug: bool
    _exact: dict[str, Grant]
    _header_reason: str
    _method_reason: str
    _methods: frozenset[str]
    _origin_refused: str
    _preflight_status: int
    _star: bool
    _tail_preflight: HeaderPairs
    _vary_options: HeaderPairs

    def _init_rules(
        self,
        method_list: list[str],
        any_method: bool,
        header_list: list[str],
        any_header: bool,
        credentials: bool,
    ) -> None:
        """Set the rules for the checked ``methods`` and ``request_headers``."""
        put = object.__setattr__
        put(self, "_methods", frozenset(method_list))
        put(self, "_any_method", any_method)
        if any_method and not credentials:
            allow_methods: HeaderPairs = ((ALLOW_METHODS, "*"),)
        elif method_list and not any_method:
            allow_methods = ((ALLOW_METHODS, ", ".join(method_list)),)
        else:  # "*" with credentials echoes the requested method; nothing configured: none
            allow_methods = ()
        put(self, "_allow_methods", allow_methods)
        if any_method:
            put(self, "_method_reason", "*")
        else:
            safelisted = [m for m in ("GET", "HEAD", "POST") if m not in method_list]
            put(self, "_method_reason", ", ".join(method_list + safelisted))

        put(self, "_allowed_headers", frozenset(name.lower() for name in header_list))
        put(self, "_any_header", any_header)
        authorization = any(name.lower() == "authorization" for name in header_list)
        put(self, "_authorization_allowed", authorization)
        if any_header:
            also = ", plus Authorization" if authorization else ""
            put(self, "_header_reason", f"* (any header except Authorization{also})")
        else:
            put(self, "_header_reason", ", ".join(header_list) or "none")

    def _preflight(
        self,
        origin: str,
        request_method: str,
        request_headers: str | None,
        private: bool,
    ) -> CorsDecision:
        """Every preflight that the fast path in ``decide()`` does not answer."""
        grant = self._exact.get(origin)
        if grant is not None:
            head = grant[2]
        elif self._star:
            head = ((ALLOW_ORIGIN, "*"),)
        else:
            if type(origin) is not str:
                raise TypeError(
                    f"the Origin header value must be a str, not {type(origin).__name__}"
                )
            if not (self._has_matchers and self._matches(origin)):
                return self._refuse_preflight((), "origin " + repr(origin) + self._origin_refused)
            head = ((ALLOW_ORIGIN, origin), *self._credentials)

        # method (CORS-safelisted methods always pass: browsers do not check them)
        if request_method in self._methods or request_method in SAFELISTED_METHODS:
            allow_methods = self._allow_methods
        elif self._any_method and is_token(request_method):
            if self._credentials:  # browsers read "*" literally here: echo the method
                allow_methods = ((ALLOW_METHODS, request_method),)
            else:
                allow_methods = self._allow_methods
        else:
            return self._refuse_preflight(
                head + self._allow_methods, self._method_refusal(request_method)
            )

        # request headers
        if not request_headers:
            allow_headers: HeaderPairs = ()
        else:
            checked = self._check_request_headers(request_headers)
            if isinstance(checked, str):
                granted = self._granted_subset(request_headers)
                passed = head + allow_methods
                if granted:
                    passed += ((ALLOW_HEADERS, granted),)
                return self._refuse_preflight(passed, checked)
            allow_headers = checked

        if private:
            allow_headers += ((ALLOW_PRIVATE_NETWORK, "true"),)
        headers = head + allow_methods + allow_headers + self._tail_preflight
        return new_tuple(CorsDecision, ("preflight", True, self._preflight_status, headers, ""))

    def _refuse_preflight(self, passed: HeaderPairs, reason: str) -> CorsDecision:
        if self._debug:
            headers = passed + self._vary_options
            return make_decision("preflight", False, self._preflight_status, headers, reason)
        return make_decision("preflight", False, 403, self._vary_options, reason)

    def _method_refusal(self, request_method: str) -> str:
        if not is_token(request_method):
            return f"Access-Control-Request-Method {request_method!r} is not a method token"
        reason = f"method {request_method!r} is not allowed (allowed: {self._method_reason})"
        upper = request_method.upper()
        if upper != request_method and (upper in self._methods or upper in SAFELISTED_METHODS):
            reason += f"; methods are case-sensitive: {upper!r} is allowed"
        return reason

    def _check_request_headers(self, value: str) -> HeaderPairs | str:
        """The Allow-Headers pair answering the requested names, or why they are refused."""
        names, malformed = parse_header_list(value)
        if malformed:
            return (
                f"Access-Control-Request-Headers has {malformed[0]!r}, which is not a header name"
            )
        if not names:
            return ()
        if self._any_header:
            if "authorization" in names:
                if not self._authorization_allowed:
                    return (
                        "request header 'authorization' is not allowed: '*' never covers "
                        "Authorization; add 'Authorization' to request_headers"
                    )
                if not self._credentials:
                    return ((ALLOW_HEADERS, "*, authorization"),)
            if self._credentials:  # browsers read "*" literally here: echo the names
                return ((ALLOW_HEADERS, ", ".join(names)),)
            return ((ALLOW_HEADERS, "*"),)
        allowed = self._allowed_headers
        refused = [name for name in names if name not in allowed]
        if refused:
            listed = summary([repr(name) for name in refused])
            noun = "request header" if len(refused) == 1 else "request headers"
            verb = "is" if len(refused) == 1 else "are"
            return f"{noun} {listed} {verb} not allowed (allowed: {self._header_reason})"
        if all(item in allowed for item in value.split(",")):
            return ((ALLOW_HEADERS, value),)  # canonical already: echo it as sent
        return ((ALLOW_HEADERS, ", ".join(names)),)

    def _granted_subset(self, value: str) -> str:
        """For debug answers: the requested names that are allowed, comma-separated."""
        names, _ = parse_header_list(value)
        if self._any_header:
            return ", ".join(
                n for n in names if n != "authorization" or self._authorization_allowed
            )
        return ", ".join(n for n in names if n in self._allowed_headers)
