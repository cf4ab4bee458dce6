"""The Python worker bootstrap: one warm Lambda execution environment (standard library only).

Started by the pool with the runtime's interpreter (see `corsway.runtimes.pyenvs`), the
service directory as working directory, and the function's environment. `sys.path` is what
Lambda's is: the code directory first, then the service's packages (`CORSWAY_PYTHON_PATHS`),
then the interpreter's own (the runtime's boto3). Imports the handler once, then answers
invocations read from a dedicated pipe (see `corsway.runtimes.protocol`; the constants are
repeated here so that this file imports nothing from corsway). The handler's print() goes to
stdout, which the pool shows on the console under the function's name. Tracebacks start at the
handler's frames: this file's and importlib's are cut. Runs on Python 3.8 and later.
"""

from __future__ import annotations

import importlib
import json
import os
import random
import site
import struct
import sys
import time
import traceback
from typing import Any

INVOCATION_HEADER = struct.Struct("<IId")
RESULT_HEADER = struct.Struct("<BII")
READY, RESULT, ERROR, INIT_ERROR = 0, 1, 2, 3
MAX_RESPONSE_BYTES = 6291556  # Lambda's documented limit for a synchronous response


class LambdaContext:
    """The `context` argument, with the attributes and method of Lambda's Python runtime."""

    __slots__ = ("_deadline", "aws_request_id", "client_context", "identity")

    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
    function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
    memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
    log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
    log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
    invoked_function_arn = os.environ.get("CORSWAY_FUNCTION_ARN", "")

    def __init__(self, request_id: str, deadline: float) -> None:
        self.aws_request_id = request_id
        self._deadline = deadline
        self.identity = None
        self.client_context = None

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        return max(0, int((self._deadline - time.time()) * 1000))


# The version nibble (4) and the variant's two top bits (10) of a UUID, as bit masks.
_UUID_CLEAR = ~((0xF << 76) | (0xC << 60)) & ((1 << 128) - 1)
_UUID_SET = (0x4 << 76) | (0x8 << 60)


def _request_id_maker() -> Any:
    """A function making Lambda request ids (random version-4 UUIDs) from a PRNG seeded by
    the OS: ids need to be unique, not secret, and uuid4() makes a system call per id."""
    bits = random.Random().getrandbits

    def new_request_id() -> str:
        h = "%032x" % (bits(128) & _UUID_CLEAR | _UUID_SET)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    return new_request_id


def _error(error_type: str, message: str, request_id: str = "", stack: Any = ()) -> bytes:
    return json.dumps(
        {
            "errorMessage": message,
            "errorType": error_type,
            "requestId": request_id,
            "stackTrace": list(stack),
        }
    ).encode()


def _load_handler(spec: str) -> Any:
    """Import `module.path.function` as Lambda does; raise LookupError(type, message)."""
    try:
        module_name, function_name = spec.rsplit(".", 1)
    except ValueError as error:
        raise LookupError(
            "Runtime.MalformedHandlerName", f"Bad handler '{spec}': {error}"
        ) from None
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as error:
        raise LookupError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}"
        ) from error
    except ImportError as error:
        raise LookupError(
            "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}"
        ) from error
    handler = getattr(module, function_name, None)
    if handler is None:
        raise LookupError(
            "Runtime.HandlerNotFound",
            f"Handler '{function_name}' missing on module '{module_name}'",
        )
    return handler


def _is_internal(filename: str) -> bool:
    """Frames of this bootstrap and of the import machinery, cut from tracebacks."""
    return (
        filename == __file__
        or filename.startswith("<frozen importlib")
        or filename.endswith(os.path.join("importlib", "__init__.py"))
    )


def _user_trace(error: BaseException, seen: Any = None) -> str:
    """The traceback of `error` (and of its causes) without the internal frames."""
    seen = seen if seen is not None else set()
    seen.add(id(error))
    text = ""
    cause = error.__cause__
    context = None if error.__suppress_context__ else error.__context__
    if cause is not None and id(cause) not in seen:
        text = _user_trace(cause, seen) + (
            "\nThe above exception was the direct cause of the following exception:\n\n"
        )
    elif context is not None and id(context) not in seen:
        text = _user_trace(context, seen) + (
            "\nDuring handling of the above exception, another exception occurred:\n\n"
        )
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not _is_internal(f.filename)]
    if frames:
        text += "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames))
    return text + "".join(traceback.format_exception_only(type(error), error))


def _add_paths() -> None:
    """The service's packages right after the code directory (their .pth files processed)."""
    extra = [p for p in os.environ.pop("CORSWAY_PYTHON_PATHS", "").split(os.pathsep) if p]
    if not extra:
        return
    before = list(sys.path)
    for path in extra:
        site.addsitedir(path)
    added = [p for p in sys.path if p not in before]
    sys.path[:] = [sys.path[0], *added, *(p for p in sys.path[1:] if p not in added)]


def _send(out: int, kind: int, payload: bytes, trace: str = "") -> None:
    """One result frame, in one write (a pipe write of any size completes unless interrupted)."""
    trace_bytes = trace.encode(errors="replace") if trace else b""
    frame = RESULT_HEADER.pack(kind, len(payload), len(trace_bytes)) + payload + trace_bytes
    written = os.write(out, frame)
    while written < len(frame):
        written += os.write(out, frame[written:])


def main() -> int:
    """Serve invocations until the pool closes the request pipe."""
    request_fd = int(os.environ.pop("CORSWAY_REQUEST_FD"))
    response_fd = int(os.environ.pop("CORSWAY_RESPONSE_FD"))
    requests = open(request_fd, "rb", buffering=1 << 16)  # noqa: SIM115 (lives as long as we do)
    out = response_fd
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
    sys.path.insert(0, os.getcwd())
    _add_paths()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    sys.stderr.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    try:
        handler = _load_handler(os.environ["_HANDLER"])
    except LookupError as error:
        error_type, message = error.args
        cause = error.__cause__
        trace = _user_trace(cause) if cause else f"{message}\n"
        _send(out, INIT_ERROR, _error(error_type, message), trace)
        return 1
    except Exception as error:  # the module raised while being imported
        message = f"Unable to import module '{os.environ['_HANDLER'].rsplit('.', 1)[0]}': {error}"
        _send(out, INIT_ERROR, _error("Runtime.ImportModuleError", message), _user_trace(error))
        return 1
    _send(out, READY, b"")

    read = requests.read
    new_request_id = _request_id_maker()
    dumps = json.dumps
    loads = json.loads
    while True:
        header = read(INVOCATION_HEADER.size)
        if len(header) < INVOCATION_HEADER.size:
            return 0  # the pool closed the pipe: shut down
        rid_length, event_length, deadline = INVOCATION_HEADER.unpack(header)
        request_id = read(rid_length).decode() if rid_length else new_request_id()
        event = read(event_length)
        if deadline <= 0:  # relative: the invocation starts now (see corsway.runtimes.protocol)
            deadline = time.time() - deadline
        context = LambdaContext(request_id, deadline)
        try:
            result = handler(loads(event), context)
        except Exception as error:
            stack = traceback.format_list(traceback.extract_tb(error.__traceback__)[1:])
            trace = _user_trace(error)
            _send(out, ERROR, _error(type(error).__name__, str(error), request_id, stack), trace)
            continue
        try:
            payload = dumps(result).encode()
        except (TypeError, ValueError) as error:
            message = f"Unable to marshal response: {error}"
            _send(out, ERROR, _error("Runtime.MarshalError", message, request_id), f"{message}\n")
            continue
        if len(payload) > MAX_RESPONSE_BYTES:
            message = (
                f"Response payload size ({len(payload)} bytes) exceeded maximum allowed "
                f"payload size ({MAX_RESPONSE_BYTES} bytes)."
            )
            _send(out, ERROR, _error("Function.ResponseSizeTooLarge", message, request_id), "")
            continue
        _send(out, RESULT, payload)


if __name__ == "__main__":
    sys.exit(main())
