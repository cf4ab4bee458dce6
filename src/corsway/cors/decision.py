"""``CorsDecision``: what ``CorsPolicy.decide()`` returns, an immutable named tuple."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import TypeAlias

    HeaderPairs: TypeAlias = tuple[tuple[str, str], ...]

new_tuple = tuple.__new__


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
    __module__ = "corsway.cors"  # its public home (repr, pickles, tracebacks)

    def __new__(
        cls,
        kind: str,
        allowed: bool,
        status: int | None,
        headers: Iterable[tuple[str, str]],
        reason: str = "",
    ) -> CorsDecision:
        return new_tuple(cls, (kind, allowed, status, tuple(headers), reason))

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


def make_decision(
    kind: str, allowed: bool, status: int | None, headers: HeaderPairs, reason: str
) -> CorsDecision:
    """A ``CorsDecision`` from a ready tuple of header pairs (no copy, no checks)."""
    return new_tuple(CorsDecision, (kind, allowed, status, headers, reason))


if TYPE_CHECKING:
    # What an allowed exact origin maps to: the actual decision, the actual decision for OPTIONS,
    # the preflight head (Allow-Origin, Allow-Credentials), the allowed preflight without
    # requested headers (None when Allow-Methods must echo the request), and allowed preflights
    # by Access-Control-Request-Headers value (empty beyond a memory budget).
    Grant: TypeAlias = tuple[
        CorsDecision, CorsDecision, HeaderPairs, CorsDecision | None, dict[str, CorsDecision]
    ]
