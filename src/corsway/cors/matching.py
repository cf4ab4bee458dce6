"""The origin table and matching: checking the configured ``origins`` and sorting them into
exact origins, any-port hosts and subdomain patterns, and matching a request's origin against
the patterns (``:*`` hosts, ``*.`` subdomains, ``origin_regex=``, ``allow_origin=``; exact
origins are a dict lookup in ``policy.py``)."""

from __future__ import annotations

from corsway.cors.config import CorsConfigProblem, names
from corsway.cors.origins import (
    SUBDOMAIN_CHARS,
    is_explicit_port,
    is_loopback,
    is_public_suffix_like,
    is_serialized_origin,
    parse_origin,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from re import Pattern


class OriginTable:
    """Configured origins sorted into exact origins, any-port hosts and subdomain patterns.

    ``exact``: serialized origins (and ``"null"``); ``any_port_hosts``: ``scheme://host`` of the
    ``:*`` entries; ``subdomains``: ``scheme://base`` of the ``*.`` entries mapped to their ports
    (``""`` for the default one), or to None for any port; ``shown``: every entry, normalised,
    for messages and ``CorsPolicy.origins``.
    """

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
        for where, raw in names("origins", origins, problems):
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
        parsed = parse_origin(raw)
        if isinstance(parsed, str):
            return parsed
        scheme, host, port = parsed
        if credentials and not allow_insecure and scheme == "http" and not is_loopback(host):
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
            if credentials and is_public_suffix_like(base):
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


class OriginMatcher:
    """The pattern tables of a policy, and the matching (``CorsPolicy`` derives from this)."""

    __slots__ = (
        "_allow_origin",
        "_any_port_hosts",
        "_any_port_patterns",
        "_base_label_counts",
        "_has_matchers",
        "_plain_refusals",
        "_regex",
        "_subdomain_any_port",
        "_subdomain_fixed",
        "_subdomain_keys",
        "_suffixes",
    )

    _allow_origin: Callable[[str], bool] | None
    _any_port_hosts: frozenset[str]
    _any_port_patterns: bool
    _base_label_counts: tuple[int, ...]
    _has_matchers: bool
    _plain_refusals: bool
    _regex: Pattern[str] | None
    _subdomain_any_port: frozenset[str]
    _subdomain_fixed: tuple[tuple[str, str], ...]
    _subdomain_keys: frozenset[str]
    _suffixes: tuple[str, ...]

    def _init_matching(
        self,
        table: OriginTable,
        regex: Pattern[str] | None,
        origin_callable: Callable[[str], bool] | None,
        star: bool,
    ) -> None:
        """Build the pattern tables (a ``"*"`` policy needs none: every origin is allowed)."""
        put = object.__setattr__
        put(self, "_any_port_hosts", frozenset(() if star else table.any_port_hosts))
        # "*." patterns as whole "scheme://base[:port]" keys (default port: none) and, for ":*",
        # "scheme://base" keys; matched by cutting the origin before its last N labels.
        subdomains = {} if star else table.subdomains
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
            for host in table.any_port_hosts:
                pattern_suffixes.append(host)
                any_port = True
            for key, ports in table.subdomains.items():
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
        if origin == "null" or not is_serialized_origin(origin):
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
                if sub and not sub.strip(SUBDOMAIN_CHARS) and ".." not in f".{sub}.":
                    return True
                break
        if not (self._any_port_hosts or self._subdomain_any_port):
            return False
        if self._any_port_hosts:
            if origin in self._any_port_hosts:
                return True
            key, _, port = origin.rpartition(":")
            if key in self._any_port_hosts and is_explicit_port(key.partition(":")[0], port):
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
                if colon and not is_explicit_port(scheme, port):
                    return False
            # A browser's subdomain is made of non-empty labels of letters, digits, "-" and "_".
            return (
                bool(separator and sub)
                and not sub.strip(SUBDOMAIN_CHARS)
                and ".." not in f".{sub}."
            )
        return False
