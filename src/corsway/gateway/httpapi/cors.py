"""An HTTP API's `CorsConfiguration` applied as API Gateway applies it (fact sheet §1).

- A preflight is `OPTIONS` with `Origin` and `Access-Control-Request-Method`; API Gateway answers
  it itself (204) unless a route matches the `OPTIONS` request (the pipeline decides that).
- Every other response to a request whose `Origin` is allowed gets the configured headers
  (`access-control-allow-origin`, `-allow-credentials`, `-expose-headers`, `vary: origin`
  when the answer depends on the origin): integration responses and the gateway's own errors
  alike. The integration's own `Access-Control-*` headers are always dropped.
- Without a `CorsConfiguration` nothing is added or dropped.

The details nobody has verified on AWS (fact sheet §7) are the constants below, one each. Every
answer depends only on (origin, method, request headers), so answers are cached per tuple.
"""

from __future__ import annotations

from corsway.gateway.httpapi.model import CorsConfig
from corsway.gateway.response import Response

# [I] Status of the built-in preflight answer (every tool mimicking it uses 204; no raw AWS
# capture).
PREFLIGHT_STATUS = 204
# [I] A preflight whose origin, method or a requested header is not allowed gets the same
# status without any access-control-* header (not a 403, not routed): the browser then fails
# with "No 'Access-Control-Allow-Origin' header".
REFUSED_PREFLIGHT_STATUS = 204
# [I] How the configured lists are written on a preflight: comma-separated, no space, in the
# configured order and spelling.
LIST_SEPARATOR = ","
# [I] `*` in AllowMethods / AllowHeaders answers with the requested method / headers (a
# literal `*` would not work for credentialed requests).
WILDCARD_ECHOES_REQUEST = True
# [I] Subdomain wildcards (`https://*.example.com`) are undocumented: AWS documents `*`,
# `https://*` and `http://*` only. They are matched literally (a note says so at start-up).
SUBDOMAIN_WILDCARDS_MATCH = False
# [I] `vary: origin` is sent whenever the allowed origin is echoed (seen on AWS), and not when
# `*` answers every origin.
VARY_WHEN_WILDCARD = False
# [I] A preflight also gets `vary: origin` when the origin is echoed.
VARY_ON_PREFLIGHT = True
# [I] A preflight that a route takes (`$default`, `ANY`, `OPTIONS` routes) gets the same CORS
# headers as the built-in answer (allow-origin, -methods, -headers, max-age) on the route's own
# status and body: API Gateway ignores the integration's CORS headers, so AWS's documented fix
# (an unauthenticated `OPTIONS /{proxy+}` route) only works this way.
ROUTED_PREFLIGHT_GETS_PREFLIGHT_HEADERS = True
# [I] MaxAge is sent on preflights only, and only when configured (including 0 and -1).
# [I] Origins are compared case-sensitively, byte for byte (browsers send the serialized form).
_CACHE_LIMIT = 4096  # answers kept per configuration (bounded: origins come from clients)
_VARY = ("vary", "origin")


def origin_forms(origin: str) -> tuple[str, ...]:
    """The prefix patterns AWS documents that would match `origin` (`https://*`, `http://*`)."""
    if origin.startswith("https://"):
        return ("https://*",)
    if origin.startswith("http://"):
        return ("http://*",)
    return ()


def is_subdomain_wildcard(entry: str) -> bool:
    """`https://*.example.com`: a wildcard AWS does not document."""
    return "*" in entry and entry not in ("*", "https://*", "http://*")


class HttpApiCors:
    """One API's CORS behaviour, precomputed (see the module docstring)."""

    def __init__(self, config: CorsConfig) -> None:
        self.config = config
        self._exact = frozenset(config.allow_origins)
        self._any_origin = "*" in self._exact
        self._methods = frozenset(m.upper() for m in config.allow_methods)
        self._any_method = "*" in self._methods
        self._headers = frozenset(h.lower() for h in config.allow_headers)
        self._any_header = "*" in self._headers
        common: list[tuple[str, str]] = []
        if config.allow_credentials:
            common.append(("access-control-allow-credentials", "true"))
        self._credentials = tuple(common)
        self._expose = (
            (("access-control-expose-headers", LIST_SEPARATOR.join(config.expose_headers)),)
            if config.expose_headers
            else ()
        )
        self._actual: dict[str, tuple[tuple[str, str], ...]] = {}
        self._preflights: dict[tuple[str, str, str | None], Response] = {}
        self._refused = Response(REFUSED_PREFLIGHT_STATUS, [], b"")

    # -- origins ------------------------------------------------------------------------

    def allow_origin(self, origin: str) -> str | None:
        """The `access-control-allow-origin` value for `origin`, or None (not allowed)."""
        if origin in self._exact:
            return origin
        if self._any_origin:
            return "*"
        for form in origin_forms(origin):
            if form in self._exact:
                return origin
        if SUBDOMAIN_WILDCARDS_MATCH:
            return next((origin for e in self._exact if _wildcard_match(e, origin)), None)
        return None

    def actual_headers(self, origin: str) -> tuple[tuple[str, str], ...]:
        """The headers added to a non-preflight response for this Origin (empty: not allowed)."""
        found = self._actual.get(origin)
        if found is None:
            allowed = self.allow_origin(origin)
            if allowed is None:
                found = ()
            else:
                vary = (_VARY,) if allowed != "*" or VARY_WHEN_WILDCARD else ()
                found = (
                    ("access-control-allow-origin", allowed),
                    *vary,
                    *self._credentials,
                    *self._expose,
                )
            if len(self._actual) >= _CACHE_LIMIT:
                self._actual.clear()
            self._actual[origin] = found
        return found

    # -- preflights ---------------------------------------------------------------------

    def preflight(self, origin: str, method: str, request_headers: str | None) -> Response:
        """API Gateway's own answer to a preflight (shared: never mutate it)."""
        key = (origin, method, request_headers)
        answer = self._preflights.get(key)
        if answer is None:
            answer = self._preflight(origin, method, request_headers)
            if len(self._preflights) >= _CACHE_LIMIT:
                self._preflights.clear()
            self._preflights[key] = answer
        return answer

    def refusal_reason(self, origin: str, method: str, request_headers: str | None) -> str:
        """Why a preflight gets no CORS headers, for the access log ('' when it is allowed)."""
        if self.allow_origin(origin) is None:
            return f"origin {origin} is not in AllowOrigins"
        if not self._method_allowed(method):
            return f"method {method} is not in AllowMethods"
        refused = self._refused_headers(request_headers)
        if refused:
            return f"header(s) {', '.join(refused)} not in AllowHeaders"
        return ""

    def _method_allowed(self, method: str) -> bool:
        return self._any_method or method.upper() in self._methods

    def _requested(self, request_headers: str | None) -> list[str]:
        if not request_headers:
            return []
        return [h.strip().lower() for h in request_headers.split(",") if h.strip()]

    def _refused_headers(self, request_headers: str | None) -> list[str]:
        if self._any_header:
            return []
        return [h for h in self._requested(request_headers) if h not in self._headers]

    def _preflight(self, origin: str, method: str, request_headers: str | None) -> Response:
        allowed = self.allow_origin(origin)
        if (
            allowed is None
            or not self._method_allowed(method)
            or self._refused_headers(request_headers)
        ):
            return self._refused
        config = self.config
        headers: list[tuple[str, str]] = [("access-control-allow-origin", allowed)]
        if VARY_ON_PREFLIGHT and (allowed != "*" or VARY_WHEN_WILDCARD):
            headers.append(_VARY)
        headers.extend(self._credentials)
        if config.allow_methods:
            value = (
                method
                if self._any_method and WILDCARD_ECHOES_REQUEST
                else LIST_SEPARATOR.join(config.allow_methods)
            )
            headers.append(("access-control-allow-methods", value))
        requested = self._requested(request_headers)
        if config.allow_headers:
            if self._any_header and WILDCARD_ECHOES_REQUEST:
                if requested:
                    headers.append(("access-control-allow-headers", LIST_SEPARATOR.join(requested)))
            else:
                headers.append(
                    ("access-control-allow-headers", LIST_SEPARATOR.join(config.allow_headers))
                )
        if config.max_age is not None:
            headers.append(("access-control-max-age", str(config.max_age)))
        return Response(PREFLIGHT_STATUS, headers, b"")

    # -- responses ----------------------------------------------------------------------

    def apply(
        self,
        response: Response,
        origin: str | None,
        preflight: tuple[str, str | None] | None = None,
        *,
        owned: bool = False,
    ) -> Response:
        """The response with the integration's CORS headers dropped and the configured ones
        added for an allowed Origin (a new Response: shared ones are never changed; `owned`:
        the caller's own, changed in place).

        `preflight`: (method, request headers) of a preflight that a route answered."""
        headers = response.headers
        dropped = [
            name
            for name, _ in headers
            if name[:1] in "aA" and name[:15].lower() == "access-control-"
        ]
        if dropped:
            headers = [(n, v) for n, v in headers if n[:15].lower() != "access-control-"]
        added: tuple[tuple[str, str], ...] | list[tuple[str, str]] = ()
        if origin is not None:
            if preflight is not None and ROUTED_PREFLIGHT_GETS_PREFLIGHT_HEADERS:
                added = self.preflight(origin, preflight[0], preflight[1]).headers
            else:
                added = self.actual_headers(origin)
        if not dropped and not added:
            return response
        if added:
            headers = [*headers, *added]  # a handler's own Vary stays: Vary lines add up
        note = response.note
        if dropped:
            names = ", ".join(dict.fromkeys(dropped))
            why = (
                f"the handler's {names} dropped: this HTTP API answers CORS from its "
                "CorsConfiguration"
            )
            note = f"{note}; {why}" if note else why
        if owned:
            response.headers = headers
            response.note = note
            response.encoded = None
            return response
        return Response(
            response.status,
            headers,
            response.body,
            function=response.function,
            note=note,
            error_type=response.error_type,
            problem=response.problem,
        )


def _wildcard_match(entry: str, origin: str) -> bool:
    """`https://*.example.com` matches `https://a.example.com` (one or more labels)."""
    head, _, tail = entry.partition("*")
    return origin.startswith(head) and origin.endswith(tail) and len(origin) > len(entry)
