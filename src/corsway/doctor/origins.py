"""Origins, URLs and IP address spaces as Chromium sees them (no I/O).

An origin is a (scheme, host, port) tuple or opaque (`null`); URLs are serialized the way
Chromium prints them in its console messages (lower-case scheme and host, no default port,
at least `/` as the path, no fragment). Address spaces are Local Network Access's: `loopback`,
`local` (private and link-local addresses) and `public`.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urljoin, urlsplit

AddressSpace = Literal["loopback", "local", "public"]
DEFAULT_PORTS = {"http": 80, "https": 443}
# The address space of a page whose origin is opaque (`null`): a sandboxed frame or a file:
# page inherits its creator's, which corsway cannot see; loopback means "no Local Network
# Access check", the usual case for a page on the developer's machine. Not verified.
NULL_ORIGIN_ADDRESS_SPACE: AddressSpace = "loopback"
_PRIVACY = {"public": 0, "local": 1, "loopback": 2}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


class UrlError(ValueError):
    """A URL or origin the page could not use; the text says why and what would be valid."""


@dataclass(frozen=True, slots=True)
class Origin:
    """A tuple origin, or the opaque origin when `scheme` is empty."""

    scheme: str = ""
    host: str = ""
    port: int = 0

    @property
    def opaque(self) -> bool:
        return not self.scheme

    def serialize(self) -> str:
        """`http://localhost:5173`, or `null` for an opaque origin."""
        if self.opaque:
            return "null"
        host = f"[{self.host}]" if ":" in self.host else self.host
        if DEFAULT_PORTS.get(self.scheme) == self.port:
            return f"{self.scheme}://{host}"
        return f"{self.scheme}://{host}:{self.port}"


OPAQUE = Origin()


def parse_origin(text: str) -> Origin:
    """The page's origin from `--origin`: `null`, or scheme://host[:port] (a `/` may follow)."""
    value = text.strip()
    if value == "null":
        return OPAQUE
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise UrlError(f"origin {text!r} is not valid ({error})") from None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        raise UrlError(
            f"origin {text!r} is not an origin: give scheme://host[:port] such as "
            "http://localhost:5173 or https://app.example.com, or null"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise UrlError(
            f"origin {text!r} has more than scheme://host[:port]; an origin has no path, "
            f"query or user (did you mean {parts.scheme}://{parts.netloc.rsplit('@', 1)[-1]}?)"
        )
    scheme = parts.scheme.lower()
    return Origin(scheme, _host(parts.hostname), port or DEFAULT_PORTS[scheme])


_HOST = re.compile(r"^[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?$")


def _host(hostname: str) -> str:
    host = hostname.lower()
    if ":" in host:  # IPv6: compressed form, as Chromium prints it
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            raise UrlError(f"host {hostname!r} is not a valid IPv6 address") from None
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        host = ""
    if not _HOST.match(host):
        raise UrlError(f"host {hostname!r} is not a valid host name")
    return host


@dataclass(frozen=True, slots=True)
class Url:
    """A parsed http(s) URL; `str()` is Chromium's serialization."""

    scheme: str
    host: str
    port: int
    path: str
    query: str
    username: str = ""
    password: str = ""

    @property
    def origin(self) -> Origin:
        return Origin(self.scheme, self.host, self.port)

    @property
    def has_credentials(self) -> bool:
        return bool(self.username or self.password)

    @property
    def authority(self) -> str:
        """The Host header: host[:port] (the port only when not the scheme's default)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if DEFAULT_PORTS[self.scheme] == self.port else f"{host}:{self.port}"

    @property
    def target(self) -> str:
        """The request target: path and query."""
        return self.path + (f"?{self.query}" if self.query else "")

    def __str__(self) -> str:
        user = ""
        if self.has_credentials:
            user = self.username + (f":{self.password}" if self.password else "") + "@"
        return f"{self.scheme}://{user}{self.authority}{self.target}"


def parse_url(text: str, base: Url | None = None) -> Url:
    """An absolute http(s) URL (resolved against `base` when relative, as a Location is)."""
    value = text.strip()
    if base is not None and not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
        value = urljoin(str(base), value)
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as error:
        raise UrlError(f"URL {text!r} is not valid ({error})") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise UrlError(f"URL {text!r} is not http:// or https://")
    if not parts.hostname:
        raise UrlError(f"URL {text!r} has no host")
    return Url(
        scheme=scheme,
        host=_host(parts.hostname),
        port=port or DEFAULT_PORTS[scheme],
        path=quote(parts.path or "/", safe=_PATH_SAFE),
        query=quote(parts.query, safe=_QUERY_SAFE),
        username=parts.username or "",
        password=parts.password or "",
    )


def url_scheme(text: str) -> str:
    """The scheme of an absolute URL (lower case), or "" when `text` has none."""
    match = re.match(r"^\s*([A-Za-z][A-Za-z0-9+.-]*):", text)
    return match.group(1).lower() if match else ""


def is_valid_url_for_chromium(value: str) -> bool:
    """Roughly whether Chromium's GURL accepts `value` (used to tell an invalid
    Access-Control-Allow-Origin value from a mismatching one): a scheme, and for http(s)-like
    schemes a non-empty host."""
    scheme = url_scheme(value)
    if not scheme:
        return False
    rest = value.strip()[len(scheme) + 1 :]
    if scheme in ("http", "https", "ws", "wss", "ftp"):
        host = rest.lstrip("/\\").split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
        return bool(host.split(":", 1)[0] if not host.startswith("[") else host)
    return True


def ip_address_space(address: str) -> AddressSpace:
    """The address space of an IP address, as Local Network Access classifies it."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_private or ip.is_link_local or ip.is_unspecified:
        return "local"
    return "public"


def literal_address_space(host: str) -> AddressSpace | None:
    """The address space of a host that needs no resolution (an IP or `localhost`), else None."""
    if host == "localhost" or host.endswith(".localhost"):
        return "loopback"
    try:
        return ip_address_space(host)
    except ValueError:
        return None


def is_local_network_request(initiator: AddressSpace, target: AddressSpace) -> bool:
    """Whether fetching `target` from a page in `initiator` needs Local Network Access
    permission (the target is more private than the page)."""
    return _PRIVACY[target] > _PRIVACY[initiator]


def same_site(origin: Origin, url: Url) -> bool:
    """Same scheme and host (ports ignored): an approximation of "site" without the public
    suffix list, used only for the Sec-Fetch-Site header."""
    return not origin.opaque and origin.scheme == url.scheme and origin.host == url.host
