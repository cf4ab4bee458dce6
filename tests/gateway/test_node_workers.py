"""Node.js handlers in warm worker processes, over real HTTP: completion styles, context,
environment, failures, timeouts, crashes and the pool bound."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.gateway.node_support import make_node_service, requires_node
from tests.gateway.support import RunningGateway, TemplateBuilder, running_gateway

pytestmark = requires_node

INTERNAL_ERROR = b'{"message": "Internal server error"}'

FUNCTIONS: dict[str, dict[str, Any]] = {
    "context": {
        "handler": "handlers.envAndContext",
        "timeout": 9,
        "memory": 512,
        "environment": {"GREETING": "hello", "TABLE": "products-dev"},
    },
    "callback": {"handler": "handlers.callback"},
    "succeed": {"handler": "handlers.succeed"},
    "done": {"handler": "handlers.done"},
    "fail": {"handler": "handlers.fail"},
    "firstCallWins": {"handler": "handlers.firstCallWins"},
    "promise": {"handler": "handlers.promiseFromPlainFunction"},
    "waitsForTimers": {"handler": "handlers.waitsForTimers"},
    "openHandle": {"handler": "handlers.openHandle", "timeout": 1},
    "throws": {"handler": "handlers.throws"},
    "rejects": {"handler": "handlers.rejects"},
    "callbackError": {"handler": "handlers.callbackError"},
    "crashes": {"handler": "handlers.crashes"},
    "uncaught": {"handler": "handlers.uncaught"},
    "unhandledRejection": {"handler": "handlers.unhandledRejection"},
    "neverSettles": {"handler": "handlers.neverSettles"},
    "returnsNothing": {"handler": "handlers.returnsNothing"},
    "sleeps": {"handler": "handlers.sleeps", "timeout": 1},
    "busyLoop": {"handler": "handlers.busyLoop", "timeout": 1},
    "patient": {"handler": "handlers.sleeps", "timeout": 20},
    "unserializable": {"handler": "handlers.unserializable"},
    "prints": {"handler": "handlers.prints"},
    "noisy": {"handler": "handlers.noisy"},
    "bigResponse": {"handler": "handlers.bigResponse"},
    "nested": {"handler": "handlers.nested.deeper.handler"},
    "subdirectory": {"handler": "src/api/handler.main"},
    "esm": {"handler": "esm/handler.handler"},
    "typeModule": {"handler": "typemodule/handler.handler"},
    "remaining": {"handler": "handlers.remaining", "timeout": 3},
    "node24Callback": {"handler": "callback_node24.handler", "runtime": "nodejs24.x"},
    "node24Async": {"handler": "callback_node24.asyncHandler", "runtime": "nodejs24.x"},
    "oldRuntime": {"handler": "handlers.callback", "runtime": "nodejs6.10"},
}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_node_service(tmp_path_factory.mktemp("node"))


@pytest.fixture(scope="module")
def gateway(service: Path) -> Iterator[RunningGateway]:
    builder = TemplateBuilder()
    for key, spec in FUNCTIONS.items():
        builder.function(
            key,
            spec["handler"],
            runtime=spec.get("runtime", "nodejs20.x"),
            timeout=spec.get("timeout", 6),
            memory=spec.get("memory", 1024),
            environment=spec.get("environment"),
        )
        builder.proxy(key, "GET", key)
    with running_gateway(
        builder.build(), service, integration_timeout_s=1.5, max_workers=2
    ) as running:
        yield running


def get(gateway: RunningGateway, path: str, **params: str) -> httpx.Response:
    return gateway.client.get(gateway.url + "/" + path, params=params)


def ok_json(gateway: RunningGateway, path: str, **params: str) -> Any:
    response = get(gateway, path, **params)
    assert response.status_code == 200, (response.content, gateway.console())
    return response.json()


def assert_502(gateway: RunningGateway, path: str, *console: str, **params: str) -> str:
    """The request gets API Gateway's 502 and the console shows every fragment."""
    response = get(gateway, path, **params)
    assert response.status_code == 502
    assert response.content == INTERNAL_ERROR
    log = gateway.console()
    for fragment in console:
        log = gateway.console(fragment)
        assert fragment in log, log
    return log


# -- the execution environment -------------------------------------------------------------


def test_environment_context_and_working_directory(gateway: RunningGateway, service: Path) -> None:
    info = ok_json(gateway, "context")
    env = info["env"]
    assert env["GREETING"] == "hello"
    assert env["TABLE"] == "products-dev"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "test-service-dev-context"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs20.x"
    assert env["_HANDLER"] == "handlers.envAndContext"
    assert env["LAMBDA_TASK_ROOT"] == str(service)
    assert env["NODE_PATH"] == str(service)
    assert env["TZ"] == ":UTC"
    private = {"CORSWAY_REQUEST_FD", "CORSWAY_RESPONSE_FD", "CORSWAY_FUNCTION_ARN"}
    assert not private & set(env)  # the worker's pipes and ARN stay private
    assert info["cwd"] == str(service)
    assert info["dataFile"] == "data next to the handlers"
    assert info["greeting"] == "hello from node_modules"  # require() of the service's packages
    assert info["functionName"] == "test-service-dev-context"
    assert info["functionVersion"] == "$LATEST"
    assert info["invokedFunctionArn"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:test-service-dev-context"
    )
    assert info["memoryLimitInMB"] == "512"
    assert info["logGroupName"] == "/aws/lambda/test-service-dev-context"
    assert "[$LATEST]" in info["logStreamName"]
    assert info["callbackWaitsForEmptyEventLoop"] is True
    assert 8000 < info["remainingMs"] <= 9000
    # made by the worker (the gateway sends none), shaped as Lambda's: a version-4 UUID
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", info["awsRequestId"]
    )


def test_worker_stays_warm_between_requests(gateway: RunningGateway) -> None:
    first = ok_json(gateway, "context")
    second = ok_json(gateway, "context")
    assert second["pid"] == first["pid"]
    assert second["calls"] == first["calls"] + 1
    assert second["awsRequestId"] != first["awsRequestId"]


def test_remaining_time_counts_down(gateway: RunningGateway) -> None:
    times = ok_json(gateway, "remaining")
    assert 0 < times["after"] < times["before"] <= 3000
    assert isinstance(times["before"], int)  # whole milliseconds, as Lambda gives them


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("nested", {"nested": True}),
        ("esm", {"module": "esm", "file": "handler.mjs"}),
        ("typeModule", {"module": "type-module"}),
    ],
)
def test_handler_resolution(gateway: RunningGateway, path: str, body: dict[str, Any]) -> None:
    assert ok_json(gateway, path) == body


def test_handler_in_a_subdirectory(gateway: RunningGateway) -> None:
    assert get(gateway, "subdirectory").text == "nested file"


def test_old_runtime_name_runs_on_the_installed_node(gateway: RunningGateway) -> None:
    assert ok_json(gateway, "oldRuntime") == {"style": "callback"}


# -- completion styles ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "style"),
    [
        ("callback", "callback"),
        ("succeed", "context.succeed"),
        ("done", "context.done"),
        ("promise", "promise"),
    ],
)
def test_completion_styles(gateway: RunningGateway, path: str, style: str) -> None:
    assert ok_json(gateway, path) == {"style": style}


def test_only_the_first_completion_counts(gateway: RunningGateway) -> None:
    assert ok_json(gateway, "firstCallWins") == {"first": True}


def test_context_fail_and_done_with_an_error_are_502(gateway: RunningGateway) -> None:
    assert_502(gateway, "fail", "the handler raised Error: failed via context.fail")
    assert_502(gateway, "done", "the handler raised Error: failed via context.done", fail="1")


def test_callback_waits_for_the_event_loop_to_empty(
    gateway: RunningGateway, tmp_path: Path
) -> None:
    marker = tmp_path / "timer-ran"
    assert ok_json(gateway, "waitsForTimers", marker=str(marker)) == {"waited": True}
    # The handler called back at once, but its 150 ms timer ran before the answer was sent.
    assert marker.read_text() == "the timer ran"


def test_open_handle_times_out_unless_the_callback_does_not_wait(gateway: RunningGateway) -> None:
    # The classic: a callback handler with an open connection never returns on AWS...
    assert_502(gateway, "openHandle", "Task timed out after 1.00 seconds", wait="true")
    # ...unless it sets context.callbackWaitsForEmptyEventLoop = false.
    assert ok_json(gateway, "openHandle", wait="false") == {"answered": True}
    assert ok_json(gateway, "openHandle", wait="false") == {"answered": True}


# -- failures ------------------------------------------------------------------------------


def test_thrown_error_is_502_with_the_stack_on_the_console(gateway: RunningGateway) -> None:
    before = ok_json(gateway, "throws", ok="1")["pid"]
    log = assert_502(
        gateway,
        "throws",
        "[throws] about to fail",
        "the handler raised Error: the handler failed on purpose",
        "at module.exports.throws (",
    )
    assert "node_worker.js" not in log  # the stack shows the user's frames, not corsway's
    # Lambda reports the error and keeps the execution environment.
    assert ok_json(gateway, "throws", ok="1")["pid"] == before


def test_rejected_promise_is_502(gateway: RunningGateway) -> None:
    assert_502(gateway, "rejects", "the handler raised TypeError: async failure")


def test_callback_with_an_error_is_502(gateway: RunningGateway) -> None:
    assert_502(gateway, "callbackError", "the handler raised RangeError: called back with an error")
    # A non-Error value is reported as Lambda reports it: errorType is its typeof.
    assert_502(gateway, "callbackError", "the handler raised string: a plain string", string="1")


def test_process_exit_is_502_and_the_next_request_gets_a_fresh_worker(
    gateway: RunningGateway,
) -> None:
    assert_502(
        gateway, "crashes", "[crashes] crashing now", "Runtime exited with error: exit status 7"
    )
    # The dead worker is replaced: the next request runs (and crashes) in a new one.
    assert_502(gateway, "crashes")
    gateway.console("crashing now", count=2)


def test_uncaught_exception_fails_the_invocation_and_replaces_the_worker(
    gateway: RunningGateway,
) -> None:
    before = ok_json(gateway, "uncaught", ok="1")["pid"]
    assert_502(
        gateway,
        "uncaught",
        "[uncaught] Uncaught Exception: Error: thrown from a timer",
        "[uncaught]     at Timeout._onTimeout (",
        "Runtime exited with error: exit status 129",
    )
    after = ok_json(gateway, "uncaught", ok="1")["pid"]
    assert after != before


def test_unhandled_rejection_fails_the_invocation(gateway: RunningGateway) -> None:
    assert_502(
        gateway,
        "unhandledRejection",
        "Unhandled Promise Rejection: Runtime.UnhandledPromiseRejection: Error: nobody catches me",
        "Runtime exited with error: exit status 128",
    )


def test_async_handler_that_never_settles(gateway: RunningGateway) -> None:
    assert_502(gateway, "neverSettles", "the handler raised Runtime.NodeJsExit: ")


def test_handler_that_completes_nothing_returns_null(gateway: RunningGateway) -> None:
    # Lambda answers null; API Gateway rejects null as a proxy response.
    assert_502(gateway, "returnsNothing", "malformed Lambda proxy response")


def test_unserializable_result(gateway: RunningGateway) -> None:
    assert_502(gateway, "unserializable", "Error: Unable to stringify response body")


def test_response_over_6_mb(gateway: RunningGateway) -> None:
    assert_502(gateway, "bigResponse", "Function.ResponseSizeTooLarge: Response payload size")


def test_callback_handler_on_nodejs24_fails_as_on_aws(gateway: RunningGateway) -> None:
    assert_502(
        gateway,
        "node24Callback",
        "Runtime.CallbackHandlerDeprecated: ERROR: AWS Lambda has removed support for "
        "callback-based function handlers starting with Node.js 24.",
    )
    assert get(gateway, "node24Async").text == "async ok"


def test_outgrowing_memory_size_crashes_the_worker_as_on_lambda(service: Path) -> None:
    # memorySize 128: V8's old space is capped at 116 MB, as Lambda's bootstrap caps it.
    template = (
        TemplateBuilder()
        .function("allocates", "handlers.allocates", runtime="nodejs20.x", memory=128, timeout=25)
        .proxy("allocates", "GET", "allocates")
        .build()
    )
    with running_gateway(template, service) as gateway:
        assert_502(
            gateway,
            "allocates",
            "JavaScript heap out of memory",
            "Runtime exited with error: signal: aborted",
        )


# -- timeouts ------------------------------------------------------------------------------


def test_function_timeout_is_502_with_lambdas_message(gateway: RunningGateway) -> None:
    assert_502(gateway, "sleeps", "Task timed out after 1.00 seconds", s="3")
    assert ok_json(gateway, "sleeps", s="0")["pid"] > 0


def test_synchronous_infinite_loop_is_stopped_at_the_timeout(gateway: RunningGateway) -> None:
    assert_502(gateway, "busyLoop", "Task timed out after 1.00 seconds")


def test_integration_timeout_is_504(gateway: RunningGateway) -> None:
    response = get(gateway, "patient", s="2.5")
    assert response.status_code == 504
    assert response.content == b'{"message": "Endpoint request timed out"}'


# -- output and concurrency ----------------------------------------------------------------


def test_console_output_is_printed_under_the_function_name(gateway: RunningGateway) -> None:
    assert get(gateway, "prints").status_code == 204
    log = gateway.console("{ nested: { value: 1 } }")
    assert "[prints] line one from the handler" in log
    assert "[prints] line two to stderr" in log
    assert "[prints] { nested: { value: 1 } }" in log


def test_output_never_corrupts_the_result(gateway: RunningGateway) -> None:
    for _ in range(3):
        assert ok_json(gateway, "noisy") == {"quiet": "result"}
    assert "[noisy] " + "x" * 1000 in gateway.console("x" * 1000)


def test_concurrency_is_bounded_by_the_pool_size(gateway: RunningGateway) -> None:
    results: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        with httpx.Client(timeout=30) as client:
            response = client.get(gateway.url + "/patient", params={"s": "0.3"})
        with lock:
            results.append(json.loads(response.content)["pid"])

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6
    assert len(set(results)) <= 2  # max_workers=2: the others waited for a free worker
    assert gateway.server.runtimes["patient"].size <= 2  # type: ignore[attr-defined]
