"""The JSON Web Key Sets that JWT authorizers verify signatures with (`corsway serve --jwks`).

AWS fetches the issuer's JWKS itself; locally the user names one: a file, or an `http(s)` URL on
this machine (a loopback address). `--jwks SOURCE` applies to every JWT authorizer,
`--jwks NAME=SOURCE` to the authorizer named NAME (its Name or logical id). Files are read at
start-up (and again on reload); a URL is fetched on first use and again, at most once a
minute, when a token names a key id it does not have. Keys are parsed by PyJWT.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import re
import time
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from jwt import PyJWK, PyJWKSet
from jwt.exceptions import PyJWKError, PyJWKSetError

from corsway.errors import CorswayError

URL_REFETCH_S = 60.0  # a key id not in the set triggers a new fetch at most this often
URL_TIMEOUT_S = 5.0
_NAMED = re.compile(r"^([A-Za-z0-9_.-]+)=(.+)$")
ALL = ""  # the key of a source that applies to every JWT authorizer


class JwksUnavailable(Exception):
    """The key set could not be read (a URL that does not answer, a file gone bad)."""


def parse_key_set(text: str, where: str) -> PyJWKSet:
    """A JWKS document → PyJWT's key set; CorswayError saying what is wrong."""
    try:
        document = json.loads(text)
    except ValueError as error:
        raise CorswayError(f"{where} is not JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise CorswayError(f'{where} is not a JWKS: expected {{"keys": [ ... ]}}')
    try:
        return PyJWKSet.from_dict(document)
    except (PyJWKSetError, PyJWKError) as error:
        raise CorswayError(f"{where}: no usable key ({error})") from None


@dataclass
class JwksSource:
    """One key set: a file (read now) or a loopback URL (fetched when first needed)."""

    location: str
    keys: PyJWKSet | None = None
    fetched_at: float = field(default=-1e9)
    _lock: asyncio.Lock | None = None

    @property
    def is_url(self) -> bool:
        """Whether the keys come from a URL."""
        return self.location.startswith(("http://", "https://"))

    def load(self) -> None:
        """Read a file source now (CorswayError when it is not a usable JWKS)."""
        if self.is_url:
            return
        path = Path(self.location)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CorswayError(f"--jwks {self.location}: cannot read it ({error})") from None
        self.keys = parse_key_set(text, f"--jwks {self.location}")

    async def key(self, kid: str | None) -> PyJWK | None:
        """The key with this id (the only key when the token has no kid and the set has one)."""
        if self.is_url and (self.keys is None or not _has(self.keys, kid)):
            await self._fetch()
        if self.keys is None:
            return None
        if kid is None:
            return self.keys.keys[0] if len(self.keys.keys) == 1 else None
        return next((key for key in self.keys.keys if key.key_id == kid), None)

    async def _fetch(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if time.monotonic() - self.fetched_at < URL_REFETCH_S:
                return
            self.fetched_at = time.monotonic()
            try:
                text = await asyncio.to_thread(_get, self.location)
                self.keys = parse_key_set(text, f"the JWKS at {self.location}")
            except (OSError, CorswayError) as error:
                raise JwksUnavailable(f"cannot read the JWKS at {self.location}: {error}") from None


def _has(keys: PyJWKSet, kid: str | None) -> bool:
    return kid is None or any(key.key_id == kid for key in keys.keys)


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=URL_TIMEOUT_S) as answer:
        data: bytes = answer.read()
    return data.decode("utf-8")


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    loopback = host == "localhost"
    if not loopback:
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
    if not loopback:
        raise CorswayError(
            f"--jwks {url}: only a URL on this machine (localhost, 127.0.0.1, [::1]) is fetched; "
            "save the issuer's JWKS to a file and give its path instead"
        )


@dataclass(frozen=True)
class JwksConfig:
    """Key sets by authorizer name (`ALL` for the one that applies to every JWT authorizer)."""

    sources: Mapping[str, JwksSource] = field(default_factory=dict)

    def for_authorizer(self, name: str, logical_id: str) -> JwksSource | None:
        """The key set of one authorizer (by Name, then logical id, then the general one)."""
        return self.sources.get(name) or self.sources.get(logical_id) or self.sources.get(ALL)


def jwks_config(values: Iterable[str]) -> JwksConfig:
    """`--jwks` values → key sets (files read and checked now); CorswayError when unusable."""
    sources: dict[str, JwksSource] = {}
    for value in values:
        name, location = ALL, value
        named = _NAMED.match(value)
        if named and not Path(value).exists():
            name, location = named[1], named[2]
        if name in sources:
            which = "every JWT authorizer" if name == ALL else f"authorizer {name}"
            raise CorswayError(f"--jwks is given twice for {which}")
        if location.startswith(("http://", "https://")):
            _check_url(location)
        source = JwksSource(location)
        source.load()
        sources[name] = source
    return JwksConfig(sources)
