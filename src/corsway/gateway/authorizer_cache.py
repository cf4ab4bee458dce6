"""The authorizer result cache of REST and HTTP APIs alike: answers by (authorizer, identity
values), each kept for its TTL.

One bounded LRU table per authorizer: authorizers never see each other's entries, and a client
sending a new token per request evicts old entries instead of growing memory.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

CACHE_ENTRIES_PER_AUTHORIZER = 1024

OutputT = TypeVar("OutputT")


class ResultCache(Generic[OutputT]):
    """Authorizer outputs by (authorizer, identity-source values), each for its TTL."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        max_entries: int = CACHE_ENTRIES_PER_AUTHORIZER,
    ) -> None:
        self._clock = clock
        self._max = max_entries
        self._tables: dict[str, OrderedDict[tuple[str, ...], tuple[float, OutputT]]] = {}

    def get(self, authorizer: str, key: tuple[str, ...]) -> OutputT | None:
        """The cached output, or None when there is none or it expired."""
        table = self._tables.get(authorizer)
        entry = table.get(key) if table is not None else None
        if entry is None or table is None:
            return None
        expires, output = entry
        if self._clock() >= expires:
            del table[key]
            return None
        table.move_to_end(key)
        return output

    def put(self, authorizer: str, key: tuple[str, ...], output: OutputT, ttl_s: float) -> None:
        """Keep `output` for `ttl_s` seconds."""
        table = self._tables.setdefault(authorizer, OrderedDict())
        table[key] = (self._clock() + ttl_s, output)
        table.move_to_end(key)
        while len(table) > self._max:
            table.popitem(last=False)

    def size(self, authorizer: str) -> int:
        """Entries held for one authorizer (expired ones included until looked up)."""
        return len(self._tables.get(authorizer, ()))
