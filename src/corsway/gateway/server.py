"""Assembles a running gateway: the service's APIs + runtimes + handlers + ASGI app + uvicorn.

The APIs are `flavour.ServedApi`s (REST, HTTP API): the server knows them only through that
interface. While serving, they can be replaced (`swap`, on reload) and every function's workers
recycled (`recycle`); a runtime that no API uses any more is closed once the requests that
started on the earlier APIs have finished.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import uvicorn

from corsway.gateway.accesslog import AccessEntry, Console
from corsway.gateway.asgi import GatewayApp, Generation
from corsway.gateway.flavour import Dispatch, ServedApi, ServeOptions
from corsway.gateway.http import bind_socket, protocol_class
from corsway.runtimes.base import FunctionConfig, FunctionRuntime
from corsway.runtimes.pyenvs import PythonEnvironments
from corsway.runtimes.registry import create_runtime, max_workers_from_environment

REQUEST_TIMEOUT_S = 10.0  # a request head (or a stalled body) must arrive within this
KEEP_ALIVE_S = 30.0  # an idle connection is closed after this


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """uvloop's loop when it is installed (faster I/O), else asyncio's."""
    try:
        import uvloop  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return asyncio.new_event_loop
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


class Watcher(Protocol):
    """Something that runs beside the server (the reloader): started and stopped with it."""

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start watching; work is scheduled on `loop`."""
        ...

    def stop(self) -> None:
        """Stop watching (blocking until it has stopped)."""
        ...


def service_functions(apis: Sequence[ServedApi]) -> dict[str, FunctionConfig]:
    """Every function any of the APIs invokes, by function key."""
    functions: dict[str, FunctionConfig] = {}
    for api in apis:
        functions.update(api.functions)
    return functions


class GatewayServer:
    """One `corsway serve` server on a bound socket, serving every API of a service."""

    def __init__(
        self,
        apis: ServedApi | Sequence[ServedApi],
        console: Console,
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        sock: socket.socket | None = None,
        stage_prefix: bool = True,
        max_workers: int | None = None,  # None: $CORSWAY_MAX_WORKERS or the default
        integration_timeout_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        explicit_deny_message: str | None = None,  # REST; None: API Gateway's current wording
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        keep_alive_s: float = KEEP_ALIVE_S,
        python: PythonEnvironments | None = None,  # None: corsway's own interpreter
    ) -> None:
        self.apis: tuple[ServedApi, ...] = _as_tuple(apis)
        self.python = python
        self.console = console
        self.max_workers = max_workers_from_environment() if max_workers is None else max_workers
        self.sock = sock if sock is not None else bind_socket(host, port)
        address = self.sock.getsockname()
        self.host, self.port = address[0], address[1]
        self.options = ServeOptions(
            stage_prefix=stage_prefix,
            server_port=self.port,
            integration_timeout_s=integration_timeout_s,
            clock=clock,
            explicit_deny_message=explicit_deny_message,
        )
        self.runtimes: dict[str, FunctionRuntime] = {
            key: self._runtime(config, self.apis[0].account_id)
            for key, config in service_functions(self.apis).items()
        }
        self._draining: list[tuple[Generation, dict[str, FunctionRuntime]]] = []
        self._closing: set[asyncio.Task[None]] = set()
        self.reloader: Watcher | None = None  # set it to reload while serving
        self.app = GatewayApp(self._dispatch(self.apis, self.runtimes), console)
        config = uvicorn.Config(
            self.app,
            http=protocol_class(
                request_timeout_s=request_timeout_s,
                on_rejection=self._log_rejection,
                direct=self.app.direct,
            ),
            ws="none",  # REST APIs have no WebSocket upgrade
            lifespan="off",
            access_log=False,
            log_config=None,
            log_level="warning",
            server_header=False,
            proxy_headers=False,  # the client is the socket's peer, as for API Gateway
            timeout_keep_alive=keep_alive_s,  # type: ignore[arg-type]  # a float works
        )
        self.server = uvicorn.Server(config)

    def _runtime(self, config: FunctionConfig, account_id: str) -> FunctionRuntime:
        return create_runtime(
            config,
            self.console.function_output,
            max_workers=self.max_workers,
            account_id=account_id,
            python=self.python,
        )

    def _dispatch(
        self, apis: Sequence[ServedApi], runtimes: Mapping[str, FunctionRuntime]
    ) -> Dispatch:
        return Dispatch(
            [
                (api.base_path(self.options), api.handler(runtimes, self.console, self.options))
                for api in apis
            ]
        )

    def _log_rejection(self, method: str, path: str, status: int, note: str) -> None:
        self.console.access(AccessEntry(method, path, status, 0.0, None, note))

    @property
    def base_url(self) -> str:
        """The first API's base URL: `http://127.0.0.1:3000/dev` for a REST API."""
        return self.base_urls()[0][1]

    def base_urls(self) -> list[tuple[str, str]]:
        """(kind, base URL) of every API, e.g. `("REST API", "http://127.0.0.1:3000/dev")`."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        origin = f"http://{host}:{self.port}"
        return [(api.kind, origin + api.base_path(self.options)) for api in self.apis]

    @property
    def started(self) -> bool:
        """True once uvicorn accepts connections."""
        return bool(self.server.started)

    # -- reload -------------------------------------------------------------------------

    async def swap(self, apis: ServedApi | Sequence[ServedApi], *, recycle: bool = False) -> str:
        """Serve `apis` from now on; returns a summary of what changed, for the console.

        Functions whose configuration is unchanged keep their warm workers (recycled when
        `recycle`: their code changed too); the others get new runtimes.
        """
        new_apis = _as_tuple(apis)
        old_apis, old_runtimes = self.apis, self.runtimes
        runtimes: dict[str, FunctionRuntime] = {}
        restarted = []
        for key, config in service_functions(new_apis).items():
            runtime = old_runtimes.get(key)
            if runtime is not None and runtime.config == config:
                runtimes[key] = runtime
                if recycle:
                    await runtime.recycle()
            else:
                runtimes[key] = self._runtime(config, new_apis[0].account_id)
                restarted.append(key)
        self.apis, self.runtimes = new_apis, runtimes
        previous = self.app.swap(self._dispatch(new_apis, runtimes))
        self._retire(previous, old_runtimes)
        before, after = _routes(old_apis), _routes(new_apis)
        parts = [f"{len(after)} routes"]
        added, removed = sorted(after - before), sorted(before - after)
        if added:
            parts.append("added " + ", ".join(f"{m} {p}" for p, m in added))
        if removed:
            parts.append("removed " + ", ".join(f"{m} {p}" for p, m in removed))
        gone = sorted(set(old_runtimes) - set(runtimes))
        if restarted:
            parts.append("fresh workers for " + ", ".join(restarted))
        if gone:
            parts.append("functions removed: " + ", ".join(gone))
        if recycle and len(restarted) < len(runtimes):
            parts.append("other workers recycled")
        return "; ".join(parts)

    async def recycle(self) -> str:
        """Replace every function's workers (handler code changed); returns a summary."""
        for runtime in self.runtimes.values():
            await runtime.recycle()
        return (
            f"workers recycled for {', '.join(self.runtimes) or 'no function'} (fresh ones load "
            "the new code)"
        )

    def _retire(self, generation: Generation, runtimes: dict[str, FunctionRuntime]) -> None:
        """Close the runtimes of `generation` no other model uses, once its requests end."""
        entry = (generation, runtimes)
        self._draining.append(entry)

        def drained() -> None:
            self._draining.remove(entry)
            in_use = {id(r) for r in self.runtimes.values()}
            for _, others in self._draining:
                in_use.update(id(r) for r in others.values())
            for runtime in runtimes.values():
                if id(runtime) not in in_use:
                    task = asyncio.get_running_loop().create_task(runtime.aclose())
                    self._closing.add(task)
                    task.add_done_callback(self._closing.discard)

        if generation.in_flight:
            generation.drained = drained
        else:
            drained()

    # -- running --------------------------------------------------------------------------

    async def serve(self) -> None:
        """Serve until `stop()` (or a signal, in the main thread); then stop every worker."""
        if self.reloader is not None:
            self.reloader.start(asyncio.get_running_loop())
        try:
            await self.server.serve(sockets=[self.sock])
        finally:
            if self.reloader is not None:
                await asyncio.get_running_loop().run_in_executor(None, self.reloader.stop)
            await self.aclose_runtimes()
            self.console.flush()

    def stop(self) -> None:
        """Ask the server to finish (thread-safe enough: uvicorn polls the flag)."""
        self.server.should_exit = True

    async def aclose_runtimes(self) -> None:
        """Stop every worker process (of the current model and of any still draining)."""
        runtimes = {id(r): r for r in self.runtimes.values()}
        for _, others in self._draining:
            runtimes.update((id(r), r) for r in others.values())
        for task in list(self._closing):
            await task
        for runtime in runtimes.values():
            await runtime.aclose()

    def run(self) -> None:
        """Serve in this thread with the fastest event loop available."""
        loop = event_loop_factory()()
        try:
            loop.run_until_complete(self.serve())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()


def _routes(apis: Sequence[ServedApi]) -> frozenset[tuple[str, str]]:
    """(path, method) of every route of the APIs."""
    return frozenset().union(*(api.route_keys() for api in apis))


def _as_tuple(apis: ServedApi | Sequence[ServedApi]) -> tuple[ServedApi, ...]:
    found = tuple(apis) if isinstance(apis, Sequence) else (apis,)
    if not found:
        raise ValueError("a gateway serves at least one API")
    return found
