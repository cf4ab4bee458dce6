"""The wire protocol between a worker pool and its worker processes (any language).

Two dedicated pipes, so that whatever a handler prints (it goes to the worker's stdout/stderr,
which the pool shows on the console) can never corrupt a frame. Their descriptor numbers are
given to the worker in the environment variables `CORSWAY_REQUEST_FD` (the worker reads
invocations from it) and `CORSWAY_RESPONSE_FD` (it writes results to it).

Invocation frame (pool → worker), little-endian:
    u32 request-id length | u32 event length | f64 deadline (Unix time, seconds)
    | request id (UTF-8) | event (JSON)
An empty request id asks the worker to make one: a random version-4 UUID, as Lambda's
request ids are (the gateway does not need the id, and making it in the worker keeps that
work off the gateway's event loop). A deadline of 0 or less is relative: the invocation may
run for -deadline seconds from when the worker reads the frame. The pool sends those only to
workers whose launcher says `pipelining = True`: it may then write an invocation while the
previous one still runs (the worker still runs them one at a time, in order).
Result frame (worker → pool):
    u8 kind | u32 payload length | u32 traceback length | payload (JSON) | traceback (UTF-8)

The worker sends READY once its handler is imported, or INIT_ERROR (payload: Lambda's error
object, e.g. Runtime.ImportModuleError) and exits. Then, per invocation, exactly one RESULT
(payload: the handler's return value as JSON) or ERROR (payload: Lambda's error object).
A worker written in another language implements exactly this.
"""

from __future__ import annotations

import struct

REQUEST_FD_ENV = "CORSWAY_REQUEST_FD"
RESPONSE_FD_ENV = "CORSWAY_RESPONSE_FD"

INVOCATION_HEADER = struct.Struct("<IId")
RESULT_HEADER = struct.Struct("<BII")

READY = 0
RESULT = 1
ERROR = 2
INIT_ERROR = 3


def invocation_frame(request_id: str, event: bytes, deadline: float) -> bytes:
    """One invocation, ready to write to the worker's request pipe."""
    rid = request_id.encode()
    return b"".join((INVOCATION_HEADER.pack(len(rid), len(event), deadline), rid, event))
