"""Assembles a running gateway: API model + runtimes + pipeline + ASGI app + uvicorn.

While serving, the model can be replaced (`swap`, on reload) and every function's workers
recycled (`recycle`); a runtime that no model uses any more is closed once the requests that
started on an earlier model have finished.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import uvicorn

from corsway.gateway.accesslog import Console
from corsway.gateway.asgi import GatewayApp, Generation
from corsway.gateway.authorizers import EXPLICIT_DENY_MESSAGES
from corsway.gateway.http import bind_socket, protocol_class
from corsway.gateway.model import Api
from corsway.gateway.pipeline import Gateway
from corsway.runtimes.base import FunctionRuntime
from corsway.runtimes.registry import create_runtime, max_workers_from_environment

if TYPE_CHECKING:
    from corsway.gateway.reload import Reloader

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


class GatewayServer:
    """One `corsway serve` server on a bound socket."""

    def __init__(
        self,
        api: Api,
        console: Console,
        *,
        host: str = "127.0.0.1",
        port: int = 3000,
        sock: socket.socket | None = None,
        stage_prefix: bool = True,
        max_workers: int | None = None,  # None: $CORSWAY_MAX_WORKERS or the default
        integration_timeout_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        explicit_deny_message: str = EXPLICIT_DENY_MESSAGES["current"],
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        keep_alive_s: float = KEEP_ALIVE_S,
    ) -> None:
        self.api = api
        self.console = console
        self.max_workers = max_workers_from_environment() if max_workers is None else max_workers
        self.sock = sock if sock is not None else bind_socket(host, port)
        address = self.sock.getsockname()
        self.host, self.port = address[0], address[1]
        self.stage_prefix = stage_prefix
        self.integration_timeout_s = integration_timeout_s
        self.clock = clock
        self.explicit_deny_message = explicit_deny_message
        self.runtimes: dict[str, FunctionRuntime] = {
            key: self._runtime(api, key) for key in api.functions
        }
        self.gateway = self._gateway(api, self.runtimes)
        self._draining: list[tuple[Generation, dict[str, FunctionRuntime]]] = []
        self._closing: set[asyncio.Task[None]] = set()
        self.reloader: Reloader | None = None  # set it to reload while serving
        self.app = GatewayApp(self.gateway, console)
        config = uvicorn.Config(
            self.app,
            http=protocol_class(
                request_timeout_s=request_timeout_s, on_rejection=self._log_rejection
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

    def _runtime(self, api: Api, key: str) -> FunctionRuntime:
        return create_runtime(
            api.functions[key],
            self.console.function_output,
            max_workers=self.max_workers,
            account_id=api.account_id,
        )

    def _gateway(self, api: Api, runtimes: dict[str, FunctionRuntime]) -> Gateway:
        return Gateway(
            api,
            runtimes,
            self.console,
            stage_prefix=self.stage_prefix,
            server_port=self.port,
            integration_timeout_s=self.integration_timeout_s,
            clock=self.clock,
            explicit_deny_message=self.explicit_deny_message,
        )

    def _log_rejection(self, method: str, path: str, status: int, note: str) -> None:
        self.console.access(
            method=method, path=path, status=status, latency_ms=0.0, function=None, note=note
        )

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:3000/dev` (without the stage under --no-stage-prefix)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        base = f"http://{host}:{self.port}"
        return f"{base}/{self.api.stage}" if self.stage_prefix else base

    @property
    def started(self) -> bool:
        """True once uvicorn accepts connections."""
        return bool(self.server.started)

    # -- reload -------------------------------------------------------------------------

    async def swap(self, api: Api, *, recycle: bool = False) -> str:
        """Serve `api` from now on; returns a summary of what changed, for the console.

        Functions whose configuration is unchanged keep their warm workers (recycled when
        `recycle`: their code changed too); the others get new runtimes.
        """
        old_api, old_runtimes = self.api, self.runtimes
        runtimes: dict[str, FunctionRuntime] = {}
        restarted = []
        for key, config in api.functions.items():
            runtime = old_runtimes.get(key)
            if runtime is not None and runtime.config == config:
                runtimes[key] = runtime
                if recycle:
                    await runtime.recycle()
            else:
                runtimes[key] = self._runtime(api, key)
                restarted.append(key)
        self.api, self.runtimes = api, runtimes
        self.gateway = self._gateway(api, runtimes)
        previous = self.app.swap(self.gateway)
        self._retire(previous, old_runtimes)
        before, after = _routes(old_api), _routes(api)
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


def _routes(api: Api) -> set[tuple[str, str]]:
    """(path, method) of every method of the API."""
    return {(resource.path, name) for resource in api.resources for name in resource.methods}
