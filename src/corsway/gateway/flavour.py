"""What the front door needs from an API flavour (REST API, HTTP API), and nothing more.

A flavour package (`gateway/rest/`, ...) turns its part of a template into a `ServedApi`: the
functions it invokes, its start-up notes, its routes for the banner, and a factory for the
`ApiHandler` that answers requests with the server's function runtimes. The front door
(`asgi.py`, `server.py`, `reload.py`, `cli/serve.py`) only speaks these protocols, so a new
flavour is a new package beside `rest/`, with no change to the front door.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, NamedTuple, Protocol, TypeVar

from corsway.gateway.accesslog import Console
from corsway.gateway.request import GatewayRequest
from corsway.gateway.response import Response
from corsway.runtimes.base import FunctionConfig, FunctionRuntime


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """How `corsway serve` was asked to serve (a flavour ignores what does not apply to it)."""

    stage_prefix: bool = True  # REST: URLs start with /STAGE (off: a custom domain)
    server_port: int = 3000
    integration_timeout_s: float | None = None  # None: the flavour's own limit
    clock: Callable[[], float] = field(default=time.monotonic)
    explicit_deny_message: str | None = None  # REST authorizers; None: API Gateway's current


class RouteRow(NamedTuple):
    """One line of the banner's route table (cells may hold rich markup)."""

    method: str
    path: str  # after the API's base URL
    function: str
    cors: str
    authorizer: str


# Takes an API's answer to a request (see `ApiHandler.begin`).
Reply = Callable[[Response], None]


class ApiHandler(Protocol):
    """Answers the requests of one API."""

    async def handle(self, request: GatewayRequest) -> Response:
        """The answer to one request (never raises for a request's sake)."""
        ...

    def begin(self, request: GatewayRequest, reply: Reply) -> bool:
        """Answer without a task of its own when it can: call `reply` exactly once, now or
        from a callback (a function's result), and return True; return False (having called
        nothing) to be run with `handle` instead."""
        ...

    def id_headers(self, request: GatewayRequest, response: Response) -> bytes:
        """The request-id header lines (`Name: value\\r\\n`) this kind of API adds."""
        ...


class ServedApi(Protocol):
    """One API of the service, as its flavour read it from the template."""

    @property
    def kind(self) -> str:
        """`REST API`, `HTTP API`: how the banner and the routes table name it."""
        ...

    @property
    def name(self) -> str:
        """The API's name."""
        ...

    @property
    def api_id(self) -> str:
        """The API's (fake) id, as in its URLs and ARNs."""
        ...

    @property
    def stage(self) -> str:
        """The stage it is served as."""
        ...

    @property
    def account_id(self) -> str:
        """The (fake) account id in ARNs and contexts."""
        ...

    @property
    def functions(self) -> Mapping[str, FunctionConfig]:
        """Every function of the template, by function key."""
        ...

    @property
    def notes(self) -> tuple[str, ...]:
        """Start-up lines: what is not run or not enforced, and why."""
        ...

    def base_path(self, options: ServeOptions) -> str:
        """The path every URL of this API starts with (`/dev`, or `` at the root)."""
        ...

    def route_rows(self) -> list[RouteRow]:
        """The banner's routes table."""
        ...

    def banner_lines(self) -> list[str]:
        """Lines printed under the routes table (rich markup)."""
        ...

    def route_keys(self) -> frozenset[tuple[str, str]]:
        """(path, method) of every route, to say what a reload added or removed."""
        ...

    def handler(
        self,
        runtimes: Mapping[str, FunctionRuntime],
        console: Console,
        options: ServeOptions,
    ) -> ApiHandler:
        """A handler answering this API's requests with these runtimes."""
        ...


class ApiModel(Protocol):
    """What every flavour's API model has (`rest.model.Api`, `httpapi.model.HttpApi`)."""

    @property
    def name(self) -> str: ...

    @property
    def api_id(self) -> str: ...

    @property
    def stage(self) -> str: ...

    @property
    def account_id(self) -> str: ...

    @property
    def functions(self) -> Mapping[str, FunctionConfig]: ...

    @property
    def notes(self) -> tuple[str, ...]: ...


ModelT = TypeVar("ModelT", bound=ApiModel)


class ServedModel(Generic[ModelT]):
    """The part of a `ServedApi` every flavour reads straight from its model."""

    def __init__(self, api: ModelT) -> None:
        self.api = api

    @property
    def name(self) -> str:
        """The API's name."""
        return self.api.name

    @property
    def api_id(self) -> str:
        """The API's (fake) id."""
        return self.api.api_id

    @property
    def stage(self) -> str:
        """The stage it is served as (`$default` for every Serverless HTTP API)."""
        return self.api.stage

    @property
    def account_id(self) -> str:
        """The (fake) account id."""
        return self.api.account_id

    @property
    def functions(self) -> Mapping[str, FunctionConfig]:
        """Every function of the template."""
        return self.api.functions

    @property
    def notes(self) -> tuple[str, ...]:
        """What the template reading left out or does not enforce."""
        return self.api.notes


class Dispatch:
    """Which API answers a request: the one whose base path is the longest prefix of its path.

    With one API, that API answers everything (as API Gateway answers every path of its host).
    """

    __slots__ = ("_by_base", "_only")

    def __init__(self, handlers: Sequence[tuple[str, ApiHandler]]) -> None:
        self._only = handlers[0][1] if len(handlers) == 1 else None
        # longest base path first; '' (the root) matches every path, so it comes last
        self._by_base = sorted(handlers, key=lambda item: len(item[0]), reverse=True)

    def handler_for(self, path: str) -> ApiHandler:
        """The handler for a request path."""
        if self._only is not None:
            return self._only
        for base, handler in self._by_base:
            if not base or path == base or path.startswith(base + "/"):
                return handler
        return self._by_base[-1][1]
