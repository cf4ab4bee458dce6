"""The CORS engine: a validated, immutable policy that decides every request (sans-IO, stdlib only).

``CorsPolicy(...)`` checks the whole configuration once and raises :class:`CorsConfigError` listing
every problem (field, value, what would be valid). It then precomputes every header it can send, so
``policy.decide(method, headers)`` only looks things up and returns an immutable
:class:`CorsDecision` (``kind``, ``allowed``, ``status``, ``headers``, ``reason``). Adapters merge
``decision.headers`` into the response (``Vary`` must be *appended* to an existing ``Vary``; every
other name is set). The policy keeps no state between calls.

Semantics follow the Fetch standard's CORS protocol; the choices it leaves open are made here:

Classification
    ``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method`` is a preflight; any other
    request with ``Origin`` is an actual request; a request without ``Origin`` is not CORS
    (``kind="none"``, ``allowed=True``). Request header names are case-insensitive; when a header
    appears more than once the first value is used, except ``Access-Control-Request-Headers``,
    whose field lines are joined (intermediaries sometimes split it).

Origins
    A request's ``Origin`` is compared byte for byte with the configured origins, which are
    normalised at construction (lower-case scheme and host, default port dropped, IPv6 in
    compressed form). Browsers always send that serialized form, so anything else (upper case,
    ``:443``, a trailing dot or slash, whitespace, userinfo) is refused, never "repaired" and
    echoed. Configured entries with a path, query, fragment, userinfo, whitespace, a trailing dot,
    no scheme, a scheme other than http/https, or a Unicode host are errors (the error names the
    ASCII/Punycode spelling to use instead: ``https://xn--bcher-kva.example``).
    ``https://*.example.org`` allows one or more DNS labels under ``example.org``: never the apex,
    never ``xexample.org``, never ``example.org.evil.net``. ``:*`` allows any port including the
    default one. Wildcards are matched by splitting the request host at its dots and looking the
    suffix up in a dict (no regular expressions, cost independent of the number of patterns).
    A wildcard over a single label (``https://*.com``) is always an error (write ``"*"`` if you
    mean any origin); a wildcard over a well-known public suffix (``*.co.uk``, ``*.github.io``,
    ``*.amazonaws.com``, ...; a built-in list, since the full Public Suffix List is not in the
    standard library) is an error with ``credentials=True``, where anyone who registers a name
    there would get credentialed access. ``"null"`` is allowed only when listed, and never with
    credentials; ``"*"`` allows every origin (including opaque ones, which browsers accept under
    ``*``) and is refused with credentials. ``origin_regex=`` must match the whole origin;
    ``allow_origin=`` is called with the origin and must return a bool. Both only see origins in
    serialized form (never ``"null"``); with credentials both are probed at construction with
    origins under the reserved ``.invalid`` domain and refused if they accept one.

Methods
    Matched exactly (the browser upper-cases only DELETE, GET, HEAD, OPTIONS, POST and PUT, so
    configured spellings of those six are upper-cased and every other method is case-sensitive).
    A preflight asking for a CORS-safelisted method (GET, HEAD, POST) passes the method check even
    when the method is not listed: the browser never checks those against
    ``Access-Control-Allow-Methods``, so refusing would only break requests that a simple request
    could make anyway. ``Access-Control-Allow-Methods`` lists the configured methods (so the
    browser can cache them all at once); ``"*"`` is sent as ``*`` without credentials and as the
    requested method with credentials (where browsers read ``*`` literally).

Request headers
    Case-insensitive. ``Access-Control-Request-Headers`` is parsed leniently (commas, optional
    whitespace, empty items); every requested name must be allowed, and the answer's
    ``Access-Control-Allow-Headers`` echoes the requested names only (lower case). ``"*"`` is sent
    as ``*`` without credentials and as the requested names with credentials; it never covers
    ``Authorization``, which must be listed (the Fetch standard's only non-wildcard name).

Vary (so that shared caches never serve one request's answer to another)
    * Non-``OPTIONS`` responses carry ``Vary: Origin`` whenever the headers depend on the origin,
      i.e. for every policy except ``"*"`` without credentials: on allowed, refused and
      origin-less responses alike.
    * A ``"*"`` policy without credentials sends ``Access-Control-Allow-Origin: *`` (and
      ``Access-Control-Expose-Headers``) on *every* non-``OPTIONS`` response, with or without
      ``Origin``, and no ``Vary``: the answer is the same for everyone, so it stays cacheable as
      the Fetch standard's "CORS protocol and HTTP caches" section recommends.
    * Every response to ``OPTIONS`` (preflight, ``OPTIONS`` without preflight headers, or without
      ``Origin``) carries ``Vary: Origin, Access-Control-Request-Method,
      Access-Control-Request-Headers`` (plus ``Access-Control-Request-Private-Network`` when
      ``private_network=True``): whether it is a preflight and what it allows depends on exactly
      those headers. OPTIONS responses are not cacheable by default (RFC 9110), but CDNs can be
      configured to cache them.

Preflights
    Allowed: ``preflight_status`` (default 204), ``Access-Control-Allow-Origin``,
    ``-Allow-Credentials`` (with credentials), ``-Allow-Methods``, ``-Allow-Headers`` (only the
    requested names), ``-Max-Age`` (unless ``max_age=None``), ``Vary``. Refused: 403 with no CORS
    header but ``Vary``, and ``reason`` naming the failed check (origin, then method, then
    headers, the order browsers check them). With ``debug=True`` a refused preflight gets
    ``preflight_status`` and the headers that did pass (no ``Max-Age``), so the browser's console
    names the failing check itself; ``allowed`` stays False.

Private Network Access
    With ``private_network=True``, a preflight carrying ``Access-Control-Request-Private-Network:
    true`` gets ``Access-Control-Allow-Private-Network: true``. With ``private_network=False`` that
    request header is ignored: the preflight is decided on its CORS merits and the answer simply
    lacks the opt-in, which is how the PNA draft lets a server decline (an enforcing browser then
    reports the private-network failure itself; a browser in PNA warning mode still works).
    Current Chromium replaced PNA preflights with a permission prompt (Local Network Access).
"""

from __future__ import annotations

from itertools import combinations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from re import Pattern
    from typing import Any, TypeAlias

    HeaderPairs: TypeAlias = tuple[tuple[str, str], ...]
    RequestHeaders: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]]

__all__ = ["CorsConfigError", "CorsConfigProblem", "CorsDecision", "CorsPolicy"]

# --- response header names (canonical casing) ---------------------------------------------------
ALLOW_ORIGIN = "Access-Control-Allow-Origin"
ALLOW_CREDENTIALS = "Access-Control-Allow-Credentials"
ALLOW_METHODS = "Access-Control-Allow-Methods"
ALLOW_HEADERS = "Access-Control-Allow-Headers"
ALLOW_PRIVATE_NETWORK = "Access-Control-Allow-Private-Network"
EXPOSE_HEADERS = "Access-Control-Expose-Headers"
MAX_AGE = "Access-Control-Max-Age"
VARY = "Vary"

# --- request header names (lower case) ----------------------------------------------------------
_ORIGIN = "origin"
_REQUEST_METHOD = "access-control-request-method"
_REQUEST_HEADERS = "access-control-request-headers"
_REQUEST_PRIVATE_NETWORK = "access-control-request-private-network"

_VARY_ORIGIN = "Origin"
_VARY_PREFLIGHT = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
_VARY_PREFLIGHT_PNA = _VARY_PREFLIGHT + ", Access-Control-Request-Private-Network"

# RFC 9110 token characters; `not s.strip(_TCHARS)` is a C-speed "is s made only of these" test.
_TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_LABEL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-_"
_SUBDOMAIN_CHARS = _LABEL_CHARS + "."
_SCHEME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789+-."

_SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})
_NORMALISED_METHODS = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"})
_FORBIDDEN_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
_FORBIDDEN_REQUEST_HEADERS = frozenset(
    {
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "access-control-request-private-network",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "via",
    }
)
# The response headers a CORS policy writes (lower case): a request never carries them, and
# an adapter drops an app's own value for them in favour of the policy's.
RESPONSE_HEADERS = frozenset(
    name.lower()
    for name in (
        ALLOW_ORIGIN,
        ALLOW_CREDENTIALS,
        ALLOW_METHODS,
        ALLOW_HEADERS,
        ALLOW_PRIVATE_NETWORK,
        EXPOSE_HEADERS,
        MAX_AGE,
    )
)
_FORBIDDEN_RESPONSE_HEADERS = frozenset({"set-cookie", "set-cookie2"})
_REQUEST_ONLY_HEADERS = frozenset(
    {"origin", _REQUEST_METHOD, _REQUEST_HEADERS, _REQUEST_PRIVATE_NETWORK}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
_MAX_AGE_LIMIT = 86400
_SHOWN_IN_REASONS = 3
_MAX_ENUMERATED_HEADERS = 12  # up to 4095 precomputed Allow-Headers answers
_MAX_PRECOMPUTED = 4096  # whole preflight decisions per (origin, header list): about 1 MB

# Domains under which anyone can get a name (a built-in excerpt of the Public Suffix List).
_PUBLIC_SUFFIXES = frozenset(
    {
        "amazonaws.com",
        "appspot.com",
        "azurewebsites.net",
        "azurestaticapps.net",
        "blogspot.com",
        "cloudfront.net",
        "deno.dev",
        "firebaseapp.com",
        "fly.dev",
        "github.io",
        "gitlab.io",
        "glitch.me",
        "herokuapp.com",
        "netlify.app",
        "ngrok.io",
        "ngrok-free.app",
        "onrender.com",
        "pages.dev",
        "readthedocs.io",
        "repl.co",
        "surge.sh",
        "vercel.app",
        "web.app",
        "workers.dev",
    }
)
# Second-level labels that registries use under country-code TLDs (co.uk, com.au, ac.jp, ...).
_REGISTRY_LABELS = frozenset(
    {"ac", "co", "com", "edu", "go", "gob", "gov", "govt", "mil", "ne", "net", "nic", "or", "org"}
)
# Probes for "can this regex / callable match anything?" (RFC 2606 reserves .invalid).
_PROBE_ORIGINS = (
    "https://corsway-probe.invalid",
    "http://corsway-probe.invalid",
    "https://corsway-probe.invalid:8443",
    "https://www.example.com.corsway-probe.invalid",
)

_new_tuple = tuple.__new__


# --- decisions ----------------------------------------------------------------------------------


class CorsDecision(tuple[str, bool, "int | None", "tuple[tuple[str, str], ...]", str]):
    """What to do with one request: an immutable named tuple ``(kind, allowed, status, headers,
    reason)``.

    ``kind``: ``"preflight"``, ``"actual"`` or ``"none"`` (no ``Origin``: not a CORS request).
    ``allowed``: whether the CORS checks passed (always True for ``"none"``).
    ``status``: for a preflight, the status to answer with; ``None`` otherwise (the app answers).
    ``headers``: ``(name, value)`` pairs to add to the response, ``Vary`` included.
    ``reason``: ``""`` when allowed, else which check failed, naming the value.
    """

    __slots__ = ()

    def __new__(
        cls,
        kind: str,
        allowed: bool,
        status: int | None,
        headers: Iterable[tuple[str, str]],
        reason: str = "",
    ) -> CorsDecision:
        return _new_tuple(cls, (kind, allowed, status, tuple(headers), reason))

    def __getnewargs__(self) -> tuple[str, bool, int | None, HeaderPairs, str]:
        return (self[0], self[1], self[2], self[3], self[4])

    @property
    def kind(self) -> str:
        """``"preflight"``, ``"actual"`` or ``"none"``."""
        return self[0]

    @property
    def allowed(self) -> bool:
        """Whether the request passed every CORS check (True when it is not a CORS request)."""
        return self[1]

    @property
    def status(self) -> int | None:
        """The status of a preflight response; ``None`` for actual and non-CORS requests."""
        return self[2]

    @property
    def headers(self) -> HeaderPairs:
        """Response headers to add, as ``(name, value)`` pairs in canonical casing."""
        return self[3]

    @property
    def reason(self) -> str:
        """``""`` when allowed; otherwise which check failed, naming the value."""
        return self[4]

    def __repr__(self) -> str:
        return (
            f"CorsDecision(kind={self[0]!r}, allowed={self[1]!r}, status={self[2]!r}, "
            f"headers={self[3]!r}, reason={self[4]!r})"
        )


if TYPE_CHECKING:
    # What an allowed exact origin maps to: the actual decision, the actual decision for OPTIONS,
    # the preflight head (Allow-Origin, Allow-Credentials), the allowed preflight without
    # requested headers (None when Allow-Methods must echo the request), and allowed preflights
    # by Access-Control-Request-Headers value (empty beyond a memory budget).
    _Grant: TypeAlias = tuple[
        CorsDecision, CorsDecision, HeaderPairs, CorsDecision | None, dict[str, CorsDecision]
    ]


def _decision(
    kind: str, allowed: bool, status: int | None, headers: HeaderPairs, reason: str
) -> CorsDecision:
    return _new_tuple(CorsDecision, (kind, allowed, status, headers, reason))


# --- configuration errors -----------------------------------------------------------------------


class CorsConfigProblem:
    """One problem in a CORS configuration: the field, the offending value and what is wrong."""

    __slots__ = ("field", "message", "value")

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

    problems: tuple[CorsConfigProblem, ...]

    def __init__(self, problems: Iterable[CorsConfigProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "".join(f"\n  - {problem}" for problem in self.problems)
        super().__init__(
            f"invalid CORS policy ({count} problem{'s' if count != 1 else ''}):{lines}"
        )


# --- configuration parsing ----------------------------------------------------------------------


def _is_token(text: str) -> bool:
    return bool(text) and not text.strip(_TCHARS)


def _ipv4_problem(host: str) -> str | None:
    """Why ``host`` (whose last label is numeric) is not a dotted-decimal IPv4 address, or None."""
    parts = host.split(".")
    if len(parts) == 4 and all(
        part.isascii()
        and part.isdigit()
        and (part == "0" or not part.startswith("0"))
        and int(part) <= 255
        for part in parts
    ):
        return None
    return "a host ending in a number is read as an IPv4 address; write it in dotted-decimal form"


def _hostname_problem(host: str) -> str | None:
    """Why ``host`` (lower case, ASCII) is not a valid host name or IPv4 address, or None."""
    if not host:
        return "the host is empty"
    if host.endswith("."):
        return (
            "the host ends with a dot; browsers send such an origin only for pages loaded from "
            f"that exact spelling: write the host as {host.rstrip('.')!r}"
        )
    if len(host) > 253:
        return "the host is longer than 253 characters"
    labels = host.split(".")
    last = labels[-1]
    if (last.isascii() and last.isdigit()) or last.startswith("0x"):
        return _ipv4_problem(host)
    for label in labels:
        if not label:
            return "the host has an empty label ('..')"
        if len(label) > 63:
            return f"the label {label!r} is longer than 63 characters"
        if label.strip(_LABEL_CHARS):
            return f"the label {label!r} has characters other than letters, digits, '-' and '_'"
    return None


def _punycode_hint(scheme: str, host: str, port: str | None) -> str:
    hint = "has a non-ASCII host; write it in its ASCII (Punycode) form, as browsers send it"
    try:
        ascii_host = ".".join(
            label.encode("idna").decode("ascii") if not label.isascii() else label
            for label in host.split(".")
        )
    except UnicodeError:
        return hint
    return hint + f": {scheme + '://' + ascii_host + (':' + port if port else '')!r}"


def _parse_origin(raw: str) -> tuple[str, str, str] | str:
    """Parse a configured origin into ``(scheme, host, port)``, or return what is wrong with it.

    ``host`` is lower case (``"*.base"`` for a subdomain wildcard, ``"[v6]"`` for IPv6); ``port`` is
    ``""`` for the scheme's default port, ``"*"`` for any port, or the decimal port.
    """
    if raw != raw.strip():
        return f"has leading or trailing whitespace; write {raw.strip()!r}"
    if not raw:
        return "is empty; write an origin such as 'https://app.example.com'"
    scheme_end = raw.find("://")
    if scheme_end < 0:
        guess = raw.lstrip("/").split("/", maxsplit=1)[0]
        return f"has no scheme; write it as scheme://host[:port], e.g. 'https://{guess}'"
    scheme = raw[:scheme_end].lower()
    if not scheme or not scheme[0].isalpha() or scheme.strip(_SCHEME_CHARS):
        return f"has an invalid scheme {raw[:scheme_end]!r}; use 'http' or 'https'"
    if scheme not in _DEFAULT_PORTS:
        return (
            f"has the unsupported scheme {scheme!r}; origins here are http:// or https:// "
            "(use origin_regex= or allow_origin= for others, e.g. chrome-extension://)"
        )
    rest = raw[scheme_end + 3 :]
    cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=-1)
    if cut >= 0:
        what = {"/": "a path", "?": "a query", "#": "a fragment"}[rest[cut]]
        if rest[cut:] == "/":
            what = "a trailing slash"
        return (
            f"has {what}; an origin is only scheme://host[:port], "
            f"write {scheme + '://' + rest[:cut]!r}"
        )
    if "@" in rest:
        return (
            "has userinfo ('user@'); an origin is only scheme://host[:port], "
            f"write {scheme + '://' + rest.rsplit('@', 1)[1]!r}"
        )
    if rest.startswith("["):
        close = rest.find("]")
        if close < 0:
            return "has an IPv6 host without the closing ']'"
        host_text, after = rest[1:close], rest[close + 1 :]
        if after and not after.startswith(":"):
            return f"has unexpected text {after!r} after the IPv6 host"
        port_text = after[1:] if after else None
        import ipaddress

        try:
            host = f"[{ipaddress.IPv6Address(host_text).compressed}]"
        except ValueError:
            return f"has an invalid IPv6 address {host_text!r}"
    else:
        host_text, colon, port_text_ = rest.partition(":")
        port_text = port_text_ if colon else None
        if port_text is not None and ":" in port_text:
            return "has more than one ':'; IPv6 hosts go in brackets: 'http://[::1]:8080'"
        host = host_text.lower()
        if not host.isascii():
            return _punycode_hint(scheme, host, port_text)
        if "*" in host:
            if not host.startswith("*.") or "*" in host[2:]:
                return (
                    "has '*' inside the host; the only host wildcard is a leading '*.' label, "
                    "e.g. 'https://*.example.org'"
                )
            base = host[2:]
            if base.rsplit(".", 1)[-1].isdigit():
                return "has a '*.' wildcard over an IP address; wildcards need a domain name"
            problem = _hostname_problem(base)
            if problem is not None:
                return problem
        else:
            problem = _hostname_problem(host)
            if problem is not None:
                return problem
    if port_text is None:
        port = ""
    elif port_text == "*":
        port = "*"
    elif port_text.isascii() and port_text.isdigit() and 0 < int(port_text) <= 65535:
        number = int(port_text)
        port = "" if number == _DEFAULT_PORTS[scheme] else str(number)
    else:
        return f"has an invalid port {port_text!r}; use 1-65535, or '*' for any port"
    return scheme, host, port


def _is_loopback(host: str) -> bool:
    host = host.removeprefix("*.")
    return (
        host == "localhost"
        or host.endswith(".localhost")
        or host == "[::1]"
        or (host.startswith("127.") and host.rsplit(".", 1)[-1].isdigit())
    )


def _is_public_suffix_like(base: str) -> bool:
    if base in _PUBLIC_SUFFIXES or any(base.endswith("." + s) for s in _PUBLIC_SUFFIXES):
        return True
    labels = base.split(".")
    return len(labels) == 2 and labels[0] in _REGISTRY_LABELS and len(labels[1]) == 2


def _names(
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


def _check_bool(field: str, value: object, problems: list[CorsConfigProblem]) -> bool:
    if isinstance(value, bool):
        return value
    problems.append(CorsConfigProblem(field, value, "must be True or False"))
    return False


def _summary(items: list[str], shown: int = _SHOWN_IN_REASONS) -> str:
    text = ", ".join(items[:shown])
    if len(items) > shown:
        text += f" and {len(items) - shown} more"
    return text


# --- the policy ---------------------------------------------------------------------------------


class CorsPolicy:
    """A validated, immutable CORS policy; ``decide()`` answers one request.

    Every argument is keyword-only; the module docstring gives the exact semantics. Raises
    :class:`CorsConfigError` listing every problem when the configuration is invalid or dangerous.
    """

    __slots__ = (
        "_allow_methods",
        "_allow_origin",
        "_allowed_headers",
        "_any_header",
        "_any_method",
        "_any_port_hosts",
        "_any_port_patterns",
        "_authorization_allowed",
        "_base_label_counts",
        "_cfg_allow_insecure_origins",
        "_cfg_credentials",
        "_cfg_expose_headers",
        "_cfg_max_age",
        "_cfg_methods",
        "_cfg_origins",
        "_cfg_request_headers",
        "_credentials",
        "_debug",
        "_exact",
        "_has_matchers",
        "_header_reason",
        "_method_reason",
        "_methods",
        "_no_origin",
        "_no_origin_options",
        "_origin_refused",
        "_plain_methods",
        "_plain_refusals",
        "_preflight_status",
        "_preflight_suffixes",
        "_private_network",
        "_regex",
        "_star",
        "_star_actual",
        "_star_options",
        "_subdomain_any_port",
        "_subdomain_fixed",
        "_subdomain_keys",
        "_suffixes",
        "_tail_actual",
        "_tail_options",
        "_tail_preflight",
        "_vary_actual",
        "_vary_options",
    )

    _allow_methods: HeaderPairs
    _allow_origin: Callable[[str], bool] | None
    _allowed_headers: frozenset[str]
    _any_header: bool
    _any_method: bool
    _any_port_hosts: frozenset[str]
    _authorization_allowed: bool
    _base_label_counts: tuple[int, ...]
    _cfg_allow_insecure_origins: bool
    _cfg_credentials: bool
    _cfg_expose_headers: tuple[str, ...]
    _cfg_max_age: int | None
    _cfg_methods: tuple[str, ...]
    _cfg_origins: tuple[str, ...]
    _cfg_request_headers: tuple[str, ...]
    _credentials: HeaderPairs
    _debug: bool
    _exact: dict[str, _Grant]
    _has_matchers: bool
    _header_reason: str
    _method_reason: str
    _methods: frozenset[str]
    _no_origin: CorsDecision
    _no_origin_options: CorsDecision
    _origin_refused: str
    _plain_methods: frozenset[str]
    _preflight_suffixes: dict[str, HeaderPairs]
    _suffixes: tuple[str, ...]
    _any_port_patterns: bool
    _plain_refusals: bool
    _preflight_status: int
    _private_network: bool
    _regex: Pattern[str] | None
    _star: bool
    _star_actual: CorsDecision
    _star_options: CorsDecision
    _subdomain_any_port: frozenset[str]
    _subdomain_fixed: tuple[tuple[str, str], ...]
    _subdomain_keys: frozenset[str]
    _tail_actual: HeaderPairs
    _tail_options: HeaderPairs
    _tail_preflight: HeaderPairs
    _vary_actual: HeaderPairs
    _vary_options: HeaderPairs

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
        credentials = _check_bool("credentials", credentials, problems)
        private_network = _check_bool("private_network", private_network, problems)
        allow_insecure = _check_bool("allow_insecure_origins", allow_insecure_origins, problems)
        debug = _check_bool("debug", debug, problems)
        max_age = _check_max_age(max_age, problems)
        preflight_status = _check_preflight_status(preflight_status, problems)
        origin_table = _OriginTable(origins, credentials, allow_insecure, problems)
        regex = _check_origin_regex(origin_regex, credentials, problems)
        origin_callable = _check_allow_origin(allow_origin, credentials, problems)
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
        method_list, any_method = _check_methods(methods, problems)
        header_list, any_header = _check_request_headers(request_headers, problems)
        expose_list = _check_expose_headers(expose_headers, credentials, problems)
        if problems:
            order = [
                "origins", "methods", "request_headers", "expose_headers", "credentials",
                "max_age", "private_network", "preflight_status", "origin_regex",
                "allow_origin", "allow_insecure_origins", "debug",
            ]  # fmt: skip
            problems.sort(key=lambda problem: order.index(problem.field.split("[")[0]))
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
        put(self, "_origin_refused", f" is not allowed (allowed: {_summary(shown_origins)})")

        # Headers that do not depend on the request. A "*" policy without credentials answers
        # everyone alike; every other policy's answer depends on Origin.
        star = origin_table.star and not credentials
        put(self, "_star", star)
        vary_preflight = _VARY_PREFLIGHT_PNA if private_network else _VARY_PREFLIGHT
        vary_actual: HeaderPairs = () if star else ((VARY, _VARY_ORIGIN),)
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
        put(self, "_no_origin", _decision("none", True, None, star_headers + vary_actual, ""))
        put(
            self,
            "_no_origin_options",
            _decision("none", True, None, star_headers + vary_options, ""),
        )
        put(self, "_star_actual", _decision("actual", True, None, star_headers + vary_actual, ""))
        put(
            self,
            "_star_options",
            _decision("actual", True, None, star_headers + vary_options, ""),
        )

        # methods
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

        # request headers
        put(self, "_allowed_headers", frozenset(name.lower() for name in header_list))
        put(self, "_any_header", any_header)
        authorization = any(name.lower() == "authorization" for name in header_list)
        put(self, "_authorization_allowed", authorization)
        if any_header:
            also = ", plus Authorization" if authorization else ""
            put(self, "_header_reason", f"* (any header except Authorization{also})")
        else:
            put(self, "_header_reason", ", ".join(header_list) or "none")

        # The preflight fast path: methods answered by the static Allow-Methods value, and for
        # every sorted lower-case list of allowed names (what browsers send) the rest of the
        # answer after Allow-Origin / Allow-Credentials.
        if any_method and credentials:
            plain_methods: frozenset[str] = frozenset()
        else:
            plain_methods = frozenset(method_list) | _SAFELISTED_METHODS
        put(self, "_plain_methods", plain_methods)
        suffixes: dict[str, HeaderPairs] = {}
        if not any_header:
            lowered = sorted({name.lower() for name in header_list})
            sizes = range(1, len(lowered) + 1) if len(lowered) <= _MAX_ENUMERATED_HEADERS else (1,)
            for size in sizes:
                for combination in combinations(lowered, size):
                    value = ",".join(combination)
                    suffixes[value] = (
                        *allow_methods,
                        (ALLOW_HEADERS, value),
                        *self._tail_preflight,
                    )
        put(self, "_preflight_suffixes", suffixes)

        # origins (a "*" policy needs no table: every origin gets the same answer)
        table: dict[str, _Grant] = {}
        if not star:
            with_preflights = (
                len(origin_table.exact) * len(self._preflight_suffixes) <= _MAX_PRECOMPUTED
            )
            for origin in origin_table.exact:
                table[origin] = self._grant(((ALLOW_ORIGIN, origin),), with_preflights)
        put(self, "_exact", table)
        put(self, "_any_port_hosts", frozenset(() if star else origin_table.any_port_hosts))
        # "*." patterns as whole "scheme://base[:port]" keys (default port: none) and, for ":*",
        # "scheme://base" keys; matched by cutting the origin before its last N labels.
        subdomains = {} if star else origin_table.subdomains
        put(
            self,
            "_subdomain_keys",
            frozenset(
                key + (f":{port}" if port else "")
                for key, ports in subdomains.items()
                if ports is not None
                for port in ports
            ),
        )
        put(
            self,
            "_subdomain_any_port",
            frozenset(key for key, ports in subdomains.items() if ports is None),
        )
        # The same fixed-port patterns as ("scheme://", ".base[:port]") pairs: the subdomain is
        # what lies between them (the common case, without splitting the origin).
        put(
            self,
            "_subdomain_fixed",
            tuple(
                (
                    key.split("://", 1)[0] + "://",
                    "." + key.split("://", 1)[1] + (f":{port}" if port else ""),
                )
                for key, ports in subdomains.items()
                if ports is not None
                for port in sorted(ports)
            ),
        )
        put(
            self,
            "_base_label_counts",
            tuple(sorted({key.count(".") + 1 for key in subdomains})),
        )
        # Cheap refusal: a pattern can only match an origin ending with one of these suffixes,
        # or (for ":*" patterns) an origin ending with a port.
        pattern_suffixes: list[str] = []
        any_port = False
        if not star:
            for host in origin_table.any_port_hosts:
                pattern_suffixes.append(host)
                any_port = True
            for key, ports in origin_table.subdomains.items():
                base = "." + key.split("://", 1)[1]
                if ports is None:
                    pattern_suffixes.append(base)
                    any_port = True
                else:
                    pattern_suffixes.extend(base + (":" + port if port else "") for port in ports)
        put(self, "_suffixes", tuple(pattern_suffixes))
        put(self, "_any_port_patterns", any_port)
        put(self, "_plain_refusals", not star and regex is None and origin_callable is None)
        put(
            self,
            "_has_matchers",
            bool(pattern_suffixes) or regex is not None or origin_callable is not None,
        )
        put(self, "_regex", None if star else regex)
        put(self, "_allow_origin", None if star else origin_callable)

    def _grant(self, head: HeaderPairs, with_preflights: bool) -> _Grant:
        """Ready-made answers for an allowed origin whose Allow-Origin pair is ``head``."""
        actual = _decision("actual", True, None, head + self._tail_actual, "")
        options = _decision("actual", True, None, head + self._tail_options, "")
        preflight_head = head + self._credentials
        plain: CorsDecision | None = None
        preflights: dict[str, CorsDecision] = {}
        if not (self._any_method and self._credentials):
            headers = preflight_head + self._allow_methods + self._tail_preflight
            plain = _decision("preflight", True, self._preflight_status, headers, "")
            if with_preflights:
                for value, suffix in self._preflight_suffixes.items():
                    headers = preflight_head + suffix
                    preflights[value] = _decision(
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
                        origin = _find(headers, _ORIGIN)  # type: ignore[arg-type]
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
                            return _new_tuple(CorsDecision, ("actual", True, None, answer, ""))
                        reason = f"origin {origin!r}{self._origin_refused}"
                        return _new_tuple(
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
                    request_method = _find(headers, _REQUEST_METHOD)  # type: ignore[arg-type]
                    if request_method is None:  # OPTIONS, but not a preflight
                        grant = self._exact.get(origin)
                        if grant is not None:
                            return grant[1]
                        return self._actual(origin, True)
                if request_headers is None:
                    request_headers = _find(headers, _REQUEST_HEADERS)  # type: ignore[arg-type]
                if self._private_network:
                    private = _lookup(headers, _REQUEST_PRIVATE_NETWORK)  # type: ignore[arg-type]
                    if private == "true":
                        return self._preflight(origin, request_method, request_headers, True)
            else:
                origin, request_method, request_headers, private = _read_pairs(headers)
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
                    return _new_tuple(
                        CorsDecision, ("preflight", True, self._preflight_status, answer, "")
                    )
            return self._preflight(origin, request_method, request_headers, False)
        except (TypeError, ValueError) as error:
            culprit = _non_str_header(headers)
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
            return _new_tuple(CorsDecision, ("actual", True, None, headers, ""))
        vary = self._vary_options if options else self._vary_actual
        reason = f"origin {origin!r}{self._origin_refused}"
        return _new_tuple(CorsDecision, ("actual", False, None, vary, reason))

    def _matches(self, origin: str) -> bool:
        """Whether an origin missing from the exact table matches a pattern, regex or callable."""
        if (
            self._suffixes
            and (
                origin.endswith(self._suffixes)
                or (self._any_port_patterns and origin[-1:].isdigit())
            )
            and self._matches_pattern(origin)
        ):
            return True
        if self._regex is None and self._allow_origin is None:
            return False
        if origin == "null" or not _is_serialized_origin(origin):
            return False
        if self._regex is not None and self._regex.fullmatch(origin):
            return True
        if self._allow_origin is not None:
            verdict = self._allow_origin(origin)
            if verdict is True or verdict is False:
                return verdict
            raise TypeError(
                f"allow_origin must return True or False; it returned {verdict!r} for {origin!r}"
            )
        return False

    def _matches_pattern(self, origin: str) -> bool:
        """Whether an origin matches a ``:*`` host or a ``*.`` subdomain pattern."""
        for prefix, suffix in self._subdomain_fixed:
            if origin.endswith(suffix) and origin.startswith(prefix):
                sub = origin[len(prefix) : len(origin) - len(suffix)]
                # A browser's subdomain is made of non-empty labels of letters, digits, "-"
                # and "_".
                if sub and not sub.strip(_SUBDOMAIN_CHARS) and ".." not in f".{sub}.":
                    return True
                break
        if not (self._any_port_hosts or self._subdomain_any_port):
            return False
        if self._any_port_hosts:
            if origin in self._any_port_hosts:
                return True
            key, _, port = origin.rpartition(":")
            if key in self._any_port_hosts and _is_explicit_port(key.partition(":")[0], port):
                return True
        for labels in self._base_label_counts:
            parts = origin.rsplit(".", labels)  # ["https://sub", ..., "org[:port]"]
            if len(parts) <= labels:
                return False  # no more labels than the base: the apex at best
            head = parts[0]
            tail = origin[len(head) + 1 :]
            scheme, separator, sub = head.partition("://")
            if f"{scheme}://{tail}" not in self._subdomain_keys:
                if not self._subdomain_any_port:
                    continue
                base, colon, port = tail.partition(":")
                if f"{scheme}://{base}" not in self._subdomain_any_port:
                    continue
                if colon and not _is_explicit_port(scheme, port):
                    return False
            # A browser's subdomain is made of non-empty labels of letters, digits, "-" and "_".
            return (
                bool(separator and sub)
                and not sub.strip(_SUBDOMAIN_CHARS)
                and ".." not in f".{sub}."
            )
        return False

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
        if request_method in self._methods or request_method in _SAFELISTED_METHODS:
            allow_methods = self._allow_methods
        elif self._any_method and _is_token(request_method):
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
        return _new_tuple(CorsDecision, ("preflight", True, self._preflight_status, headers, ""))

    def _refuse_preflight(self, passed: HeaderPairs, reason: str) -> CorsDecision:
        if self._debug:
            headers = passed + self._vary_options
            return _decision("preflight", False, self._preflight_status, headers, reason)
        return _decision("preflight", False, 403, self._vary_options, reason)

    def _method_refusal(self, request_method: str) -> str:
        if not _is_token(request_method):
            return f"Access-Control-Request-Method {request_method!r} is not a method token"
        reason = f"method {request_method!r} is not allowed (allowed: {self._method_reason})"
        upper = request_method.upper()
        if upper != request_method and (upper in self._methods or upper in _SAFELISTED_METHODS):
            reason += f"; methods are case-sensitive: {upper!r} is allowed"
        return reason

    def _check_request_headers(self, value: str) -> HeaderPairs | str:
        """The Allow-Headers pair answering the requested names, or why they are refused."""
        names, malformed = _parse_header_list(value)
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
            listed = _summary([repr(name) for name in refused])
            noun = "request header" if len(refused) == 1 else "request headers"
            verb = "is" if len(refused) == 1 else "are"
            return f"{noun} {listed} {verb} not allowed (allowed: {self._header_reason})"
        if all(item in allowed for item in value.split(",")):
            return ((ALLOW_HEADERS, value),)  # canonical already: echo it as sent
        return ((ALLOW_HEADERS, ", ".join(names)),)

    def _granted_subset(self, value: str) -> str:
        """For debug answers: the requested names that are allowed, comma-separated."""
        names, _ = _parse_header_list(value)
        if self._any_header:
            return ", ".join(
                n for n in names if n != "authorization" or self._authorization_allowed
            )
        return ", ".join(n for n in names if n in self._allowed_headers)


class _OriginTable:
    """Configured origins sorted into exact origins, any-port hosts and subdomain patterns."""

    def __init__(
        self,
        origins: object,
        credentials: bool,
        allow_insecure: bool,
        problems: list[CorsConfigProblem],
    ) -> None:
        self.star = False
        self.exact: list[str] = []
        self.any_port_hosts: set[str] = set()
        self.subdomains: dict[str, frozenset[str] | None] = {}
        self.shown: list[str] = []
        for where, raw in _names("origins", origins, problems):
            problem = self._add(raw, credentials, allow_insecure)
            if problem is not None:
                problems.append(CorsConfigProblem(where, raw, problem))

    @property
    def empty(self) -> bool:
        return not (self.star or self.exact or self.any_port_hosts or self.subdomains)

    def _show(self, text: str) -> None:
        if text not in self.shown:
            self.shown.append(text)

    def _add(self, raw: str, credentials: bool, allow_insecure: bool) -> str | None:
        if raw == "*":
            if credentials:
                return (
                    "'*' cannot be used with credentials=True (it would let every site read "
                    "your users' data); list the trusted origins instead"
                )
            self.star = True
            self._show("*")
            return None
        if raw.lower() == "null":
            if credentials:
                return (
                    "'null' cannot be used with credentials=True: sandboxed iframes and data: "
                    "pages of any site send 'Origin: null'"
                )
            if "null" not in self.exact:
                self.exact.append("null")
            self._show("null")
            return None
        parsed = _parse_origin(raw)
        if isinstance(parsed, str):
            return parsed
        scheme, host, port = parsed
        if credentials and not allow_insecure and scheme == "http" and not _is_loopback(host):
            return (
                "plain-http origins other than localhost/loopback cannot be used with "
                "credentials=True (anyone on the network can impersonate them); use https://, "
                "or pass allow_insecure_origins=True if you accept the risk"
            )
        shown = f"{scheme}://{host}" + (f":{port}" if port else "")
        if host.startswith("*."):
            base = host[2:]
            if "." not in base and base != "localhost":
                return (
                    f"a wildcard over the top-level domain {base!r} allows almost every site; "
                    "write '*' if you mean any origin, or name your own domain "
                    "('https://*.example.org')"
                )
            if credentials and _is_public_suffix_like(base):
                return (
                    f"{base!r} is a public suffix: anyone can register a name under it, so this "
                    "would give strangers credentialed access; list your own subdomains instead"
                )
            key = f"{scheme}://{base}"
            ports = self.subdomains.get(key, frozenset())
            if port == "*" or ports is None:
                self.subdomains[key] = None
            else:
                self.subdomains[key] = ports | {port}
        elif port == "*":
            self.any_port_hosts.add(f"{scheme}://{host}")
        elif shown not in self.exact:
            self.exact.append(shown)
        self._show(shown)
        return None


def _check_max_age(value: object, problems: list[CorsConfigProblem]) -> int | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_AGE_LIMIT:
        return value
    problems.append(
        CorsConfigProblem(
            "max_age",
            value,
            f"must be whole seconds from 0 to {_MAX_AGE_LIMIT} (browsers cap it: Chromium at "
            "7200, Firefox at 86400), or None to leave the header out",
        )
    )
    return None


def _check_preflight_status(value: object, problems: list[CorsConfigProblem]) -> int:
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


def _check_origin_regex(
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
        leaked = [probe for probe in _PROBE_ORIGINS if regex.fullmatch(probe)]
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


def _check_allow_origin(
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
        for probe in _PROBE_ORIGINS:
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


def _check_methods(value: object, problems: list[CorsConfigProblem]) -> tuple[list[str], bool]:
    methods: list[str] = []
    any_method = False
    for where, raw in _names("methods", value, problems):
        if raw == "*":
            any_method = True
            continue
        if not _is_token(raw):
            problems.append(
                CorsConfigProblem(where, raw, "is not an HTTP method (a token such as 'PATCH')")
            )
            continue
        upper = raw.upper()
        if upper in _FORBIDDEN_METHODS:
            problems.append(
                CorsConfigProblem(
                    where, raw, f"{upper} is a forbidden method: browsers never send it"
                )
            )
            continue
        method = upper if upper in _NORMALISED_METHODS else raw
        if method not in methods:
            methods.append(method)
    return methods, any_method


def _check_request_headers(
    value: object, problems: list[CorsConfigProblem]
) -> tuple[list[str], bool]:
    names: list[str] = []
    any_header = False
    for where, raw in _names("request_headers", value, problems):
        if raw == "*":
            any_header = True
            continue
        lower = raw.lower()
        if not _is_token(raw):
            problem = "is not a header name (a token such as 'X-Api-Key')"
        elif lower in _FORBIDDEN_REQUEST_HEADERS or lower.startswith(("sec-", "proxy-")):
            problem = (
                "is a forbidden request header: browsers set it themselves and never ask for it "
                "in a preflight, so allowing it has no effect"
            )
        elif lower in RESPONSE_HEADERS:
            problem = "is a response header; request_headers lists request headers"
        else:
            if all(lower != name.lower() for name in names):
                names.append(raw)
            continue
        problems.append(CorsConfigProblem(where, raw, problem))
    return names, any_header


def _check_expose_headers(
    value: object, credentials: bool, problems: list[CorsConfigProblem]
) -> list[str]:
    names: list[str] = []
    for where, raw in _names("expose_headers", value, problems):
        lower = raw.lower()
        if raw == "*" and credentials:
            problem = (
                "'*' exposes nothing with credentials=True (browsers read it literally); list "
                "the header names to expose"
            )
        elif raw != "*" and not _is_token(raw):
            problem = "is not a header name (a token such as 'X-Request-Id')"
        elif lower in _FORBIDDEN_RESPONSE_HEADERS:
            problem = "can never be exposed: browsers hide Set-Cookie from scripts"
        elif lower in _REQUEST_ONLY_HEADERS:
            problem = "is a request header; expose_headers lists response headers"
        else:
            if all(lower != name.lower() for name in names):
                names.append(raw)
            continue
        problems.append(CorsConfigProblem(where, raw, problem))
    return names


_MISSING: object = object()


def _find(headers: Mapping[str, str], lower_name: str) -> str | None:
    """Case-insensitive lookup of a header missing under its common spellings."""
    if lower_name not in "\n".join(headers).lower():  # one C-speed pass in the usual case
        return None
    size = len(lower_name)
    for key in headers:
        if len(key) == size and key.lower() == lower_name:
            return headers[key]
    return None


def _lookup(headers: Mapping[str, str], lower_name: str) -> str | None:
    """Case-insensitive lookup trying the lower-case and Title-Case spellings first."""
    value = headers.get(lower_name)
    if value is None:
        value = headers.get("-".join(part.capitalize() for part in lower_name.split("-")))
        if value is None:
            value = _find(headers, lower_name)
    return value


def _non_str_header(headers: Any) -> str | None:
    """Describe the first header name or value that is not a str, or None if all are."""
    try:
        items = headers.items() if hasattr(headers, "keys") else headers
        for item in items:
            name, value = item
            if not isinstance(name, str):
                return f"the name {name!r} ({type(name).__name__})"
            if not isinstance(value, str) and value is not None:
                return f"{name}: {value!r} ({type(value).__name__})"
    except (TypeError, ValueError):
        return f"{type(headers).__name__}, which is neither a mapping nor (name, value) pairs"
    return None


def _read_pairs(
    pairs: Iterable[tuple[str, str]],
) -> tuple[str | None, str | None, str | None, str | None]:
    """Origin, Access-Control-Request-Method, -Headers (all lines joined) and -Private-Network."""
    origin = method = private = None
    request_headers: list[str] = []
    for name, value in pairs:
        size = len(name)
        if size == 6:
            lower = name.lower()
            if lower == _ORIGIN:
                if origin is None:
                    origin = value
                continue
        elif size == 29:
            lower = name.lower()
            if lower == _REQUEST_METHOD:
                if method is None:
                    method = value
                continue
        elif size == 30:
            lower = name.lower()
            if lower == _REQUEST_HEADERS:
                request_headers.append(value)
                continue
        elif size == 38:
            lower = name.lower()
            if lower == _REQUEST_PRIVATE_NETWORK:
                if private is None:
                    private = value
                continue
        else:
            continue
        if type(lower) is not str:  # e.g. b"Origin": never silently skip a CORS header
            raise TypeError(f"header name {name!r} is not a str")
    joined = ",".join(request_headers) if request_headers else None
    return origin, method, joined, private


def _parse_header_list(value: str) -> tuple[list[str], list[str]]:
    """Lower-cased names in a comma-separated header list, and the items that are not tokens."""
    names: list[str] = []
    malformed: list[str] = []
    for item in value.split(","):
        name = item.strip(" \t").lower()
        if not name:
            continue
        if _is_token(name):
            names.append(name)
        else:
            malformed.append(name)
    return names, malformed


def _is_explicit_port(scheme: str, port: str) -> bool:
    """Whether a browser would write ``port`` in an origin: 1-65535, no zero, not the default."""
    return (
        port.isascii()
        and port.isdigit()
        and port[0] != "0"
        and int(port) <= 65535
        and int(port) != _DEFAULT_PORTS.get(scheme)
    )


def _is_serialized_origin(origin: str) -> bool:
    """Whether ``origin`` has the shape browsers send: ``scheme://host[:port]``, lower case."""
    scheme_end = origin.find("://")
    if scheme_end <= 0 or origin[:scheme_end].strip(_SCHEME_CHARS):
        return False
    rest = origin[scheme_end + 3 :]
    return bool(rest) and not rest.strip(_SUBDOMAIN_CHARS + ":[]")
