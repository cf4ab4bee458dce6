"""Assembles a running gateway: API model + runtimes + pipeline + ASGI app + uvicorn."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

import uvicorn

from corsway.gateway.accesslog import Console
from corsway.gateway.asgi import GatewayApp
from corsway.gateway.http import bind_socket, protocol_class
from corsway.gateway.model import Api
from corsway.gateway.pipeline import Gateway
from corsway.runtimes.base import FunctionRuntime
from corsway.runtimes.registry import DEFAULT_MAX_WORKERS, create_runtime

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
        max_workers: int = DEFAULT_MAX_WORKERS,
        integration_timeout_s: float | None = None,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        keep_alive_s: float = KEEP_ALIVE_S,
    ) -> None:
        self.api = api
        self.console = console
        self.sock = sock if sock is not None else bind_socket(host, port)
        address = self.sock.getsockname()
        self.host, self.port = address[0], address[1]
        self.runtimes: dict[str, FunctionRuntime] = {
            key: create_runtime(
                config,
                console.function_output,
                max_workers=max_workers,
                account_id=api.account_id,
            )
            for key, config in api.functions.items()
        }
        self.gateway = Gateway(
            api,
            self.runtimes,
            console,
            stage_prefix=stage_prefix,
            server_port=self.port,
            integration_timeout_s=integration_timeout_s,
        )
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

    def _log_rejection(self, method: str, path: str, status: int, note: str) -> None:
        self.console.access(
            method=method, path=path, status=status, latency_ms=0.0, function=None, note=note
        )

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:3000/dev` (without the stage under --no-stage-prefix)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        base = f"http://{host}:{self.port}"
        return f"{base}/{self.api.stage}" if self.gateway.stage_prefix else base

    @property
    def started(self) -> bool:
        """True once uvicorn accepts connections."""
        return bool(self.server.started)

    async def serve(self) -> None:
        """Serve until `stop()` (or a signal, in the main thread); then stop every worker."""
        try:
            await self.server.serve(sockets=[self.sock])
        finally:
            await self.aclose_runtimes()
            self.console.flush()

    def stop(self) -> None:
        """Ask the server to finish (thread-safe enough: uvicorn polls the flag)."""
        self.server.should_exit = True

    async def aclose_runtimes(self) -> None:
        """Stop every worker process."""
        for runtime in self.runtimes.values():
            await runtime.aclose()

    def run(self) -> None:
        """Serve in this thread with the fastest event loop available."""
        loop = event_loop_factory()()
        try:
            loop.run_until_complete(self.serve())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
