"""One origin: parsing a configured origin into its serialized (browser) form, and the checks on
hosts, ports and public suffixes."""

from __future__ import annotations

DEFAULT_PORTS = {"http": 80, "https": 443}
LABEL_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-_"
SUBDOMAIN_CHARS = LABEL_CHARS + "."
SCHEME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789+-."

# Domains under which anyone can get a name (a built-in excerpt of the Public Suffix List).
PUBLIC_SUFFIXES = frozenset(
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
REGISTRY_LABELS = frozenset(
    {"ac", "co", "com", "edu", "go", "gob", "gov", "govt", "mil", "ne", "net", "nic", "or", "org"}
)


def serialize_ipv6(packed: bytes) -> str:
    """The WHATWG URL standard's IPv6 serialization of a 16-byte address, without brackets.

    Lower-case hex pieces without leading zeros; the first longest run of two or more zero
    pieces becomes ``::``; an embedded IPv4 address stays in hex (``::ffff:7f00:1``), as browsers
    write it (Python 3.13's ``ipaddress`` writes ``::ffff:127.0.0.1`` instead).
    """
    pieces = [packed[i] << 8 | packed[i + 1] for i in range(0, 16, 2)]
    best_start, best_length = -1, 1
    start = -1
    for index, piece in enumerate([*pieces, 1]):  # the sentinel ends a trailing run
        if piece == 0:
            if start < 0:
                start = index
        elif start >= 0:
            if index - start > best_length:
                best_start, best_length = start, index - start
            start = -1
    if best_start < 0:
        return ":".join(f"{piece:x}" for piece in pieces)
    head = ":".join(f"{piece:x}" for piece in pieces[:best_start])
    tail = ":".join(f"{piece:x}" for piece in pieces[best_start + best_length :])
    return f"{head}::{tail}"


def ipv6_host(text: str) -> str | None:
    """``[address]`` in serialized form for the text between an origin's brackets, or None."""
    import ipaddress

    if "%" in text:  # a zone id: the URL standard has none, so no browser sends one
        return None
    try:
        packed = ipaddress.IPv6Address(text).packed
    except ValueError:
        return None
    return f"[{serialize_ipv6(packed)}]"


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
        if label.strip(LABEL_CHARS):
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


def parse_origin(raw: str) -> tuple[str, str, str] | str:
    """Parse a configured origin into ``(scheme, host, port)``, or return what is wrong with it.

    ``host`` is lower case (``"*.base"`` for a subdomain wildcard, ``"[v6]"`` for IPv6, serialized
    as browsers do); ``port`` is ``""`` for the scheme's default port, ``"*"`` for any port, or
    the decimal port.
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
    if not scheme or not scheme[0].isalpha() or scheme.strip(SCHEME_CHARS):
        return f"has an invalid scheme {raw[:scheme_end]!r}; use 'http' or 'https'"
    if scheme not in DEFAULT_PORTS:
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
        if "%" in host_text:
            return (
                f"has the IPv6 zone id {host_text[host_text.find('%') :]!r}; URLs have no zone "
                f"ids, so no browser sends one: write the address alone, e.g. "
                f"{host_text[: host_text.find('%')]!r}"
            )
        ipv6 = ipv6_host(host_text)
        if ipv6 is None:
            return f"has an invalid IPv6 address {host_text!r}"
        host = ipv6
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
        port = "" if number == DEFAULT_PORTS[scheme] else str(number)
    else:
        return f"has an invalid port {port_text!r}; use 1-65535, or '*' for any port"
    return scheme, host, port


def is_loopback(host: str) -> bool:
    """Whether a parsed host (or ``*.`` pattern) is localhost or a loopback address."""
    host = host.removeprefix("*.")
    return (
        host == "localhost"
        or host.endswith(".localhost")
        or host == "[::1]"
        or (host.startswith("127.") and host.rsplit(".", 1)[-1].isdigit())
    )


def is_public_suffix_like(base: str) -> bool:
    """Whether anyone can register a name directly under ``base`` (as far as the list knows)."""
    if base in PUBLIC_SUFFIXES or any(base.endswith("." + s) for s in PUBLIC_SUFFIXES):
        return True
    labels = base.split(".")
    return len(labels) == 2 and labels[0] in REGISTRY_LABELS and len(labels[1]) == 2


def is_explicit_port(scheme: str, port: str) -> bool:
    """Whether a browser would write ``port`` in an origin: 1-65535, no zero, not the default."""
    return (
        port.isascii()
        and port.isdigit()
        and port[0] != "0"
        and int(port) <= 65535
        and int(port) != DEFAULT_PORTS.get(scheme)
    )


def is_serialized_origin(origin: str) -> bool:
    """Whether ``origin`` has the shape browsers send: ``scheme://host[:port]``, lower case."""
    scheme_end = origin.find("://")
    if scheme_end <= 0 or origin[:scheme_end].strip(SCHEME_CHARS):
        return False
    rest = origin[scheme_end + 3 :]
    return bool(rest) and not rest.strip(SUBDOMAIN_CHARS + ":[]")
