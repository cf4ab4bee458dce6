"""The contract between the gateway and the runtimes that run handler code.

The gateway builds a Lambda event, hands it to the runtime of the function named by the
template, and gets back an `InvocationResult`. Runtimes own processes, warmth, timeouts and
crash recovery; the gateway owns HTTP, API Gateway semantics and the console.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

DEFAULT_TIMEOUT_S = 6.0  # the Serverless Framework's default function timeout
DEFAULT_MEMORY_MB = 1024  # the Serverless Framework's default memorySize


@dataclass(frozen=True, slots=True)
class FunctionConfig:
    """One Lambda function as the template describes it, plus where its code lives."""

    key: str  # the function's key in serverless.yml, e.g. "getProduct"
    name: str  # the deployed FunctionName, e.g. "products-service-dev-getProduct"
    handler: str  # "handler.getProduct", "src/api/handler.main"
    runtime: str  # "python3.11", "nodejs18.x", ...
    code_dir: Path  # directory the handler path is relative to (the service directory)
    region: str = "us-east-1"
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    environment: Mapping[str, str] = field(default_factory=dict)


class Outcome(enum.Enum):
    """How an invocation ended, from the caller's point of view."""

    SUCCESS = "success"  # the handler returned (or called back with) a value
    FUNCTION_ERROR = "function_error"  # the handler raised / called back with an error
    INIT_ERROR = "init_error"  # the module failed to import or the handler does not exist
    TIMEOUT = "timeout"  # the function ran past its own timeout and was stopped
    CRASH = "crash"  # the worker process died (exit, signal, out of memory)


class InvocationResult(NamedTuple):
    """What came back from one invocation (immutable; a NamedTuple: one is made per request,
    in a fifth of a frozen dataclass's time)."""

    outcome: Outcome
    payload: bytes = b""  # JSON of the returned value (SUCCESS), or of Lambda's error object
    error: str = ""  # one line for the access log, e.g. "ZeroDivisionError: division by zero"
    traceback: str = ""  # the full trace to print on the console, when there is one
    duration_ms: float = 0.0


# The `request_id` that asks the worker to make the Lambda request id itself (a random
# version-4 UUID, as Lambda's are; see `corsway.runtimes.protocol`).
ASSIGNED_BY_WORKER = ""

# Called with (function key, one line of the handler's output) for the console.
LogSink = Callable[[str, str], None]


class FunctionRuntime(Protocol):
    """A pool of warm execution environments for one function."""

    config: FunctionConfig

    def invoke(self, event: bytes, request_id: str) -> Awaitable[InvocationResult]:
        """Run the handler once with `event` (JSON bytes); await the result.

        `request_id` is the handler's `aws_request_id`; `ASSIGNED_BY_WORKER` lets the worker
        make one (as Lambda assigns it), which keeps that work off the gateway's event loop.

        An `async def` does. A runtime may instead return an `asyncio.Future`: the gateway then
        resolves it itself, with a result of its own, when it stops waiting (the integration
        timeout), so the runtime must check `future.done()` before setting its result.
        """
        ...

    async def recycle(self) -> None:
        """Replace every worker with a fresh one (code changed); in-flight calls finish first."""
        ...

    async def aclose(self) -> None:
        """Stop every worker this runtime started."""
        ...
