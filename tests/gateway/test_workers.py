"""Python handlers in warm worker processes, over real HTTP: environment, context, failures."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.gateway.support import (
    SERVICE_DIR,
    BackgroundGet,
    RunningGateway,
    TemplateBuilder,
    running_gateway,
)

INTERNAL_ERROR = b'{"message": "Internal server error"}'


@pytest.fixture(scope="module")
def gateway() -> Iterator[RunningGateway]:
    template = (
        TemplateBuilder()
        .function(
            "context",
            "handlers.env_and_context",
            timeout=9,
            memory=512,
            environment={"GREETING": "hello", "TABLE": "products-dev"},
        )
        .function("raises", "handlers.raises")
        .function("crashes", "handlers.crashes")
        .function("sleeps", "handlers.sleeps", timeout=1)
        .function("patient", "handlers.sleeps", timeout=20)
        .function("prints", "handlers.prints")
        .function("broken", "broken_import.handler")
        .function("nested", "pkg/nested.main")
        .function("marshal", "handlers.not_serializable")
        .proxy("context", "GET", "context")
        .proxy("raises", "GET", "raises")
        .proxy("crashes", "GET", "crashes")
        .proxy("sleeps", "GET", "sleeps")
        .proxy("patient", "GET", "patient")
        .proxy("prints", "GET", "prints")
        .proxy("broken", "GET", "broken")
        .proxy("nested", "GET", "nested")
        .proxy("marshal", "GET", "marshal")
        .build()
    )
    with running_gateway(template, integration_timeout_s=1.5, max_workers=2) as running:
        yield running


def context_of(gateway: RunningGateway) -> Any:
    response = gateway.client.get(gateway.url + "/context")
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_environment_context_and_working_directory(gateway: RunningGateway) -> None:
    info = context_of(gateway)
    env = info["env"]
    assert env["GREETING"] == "hello"
    assert env["TABLE"] == "products-dev"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "test-service-dev-context"
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["_HANDLER"] == "handlers.env_and_context"
    assert env["LAMBDA_TASK_ROOT"] == str(SERVICE_DIR)
    assert env["TZ"] == ":UTC"
    assert info["cwd"] == str(SERVICE_DIR)
    assert info["sys_path_0"] == str(SERVICE_DIR)
    assert info["data_file"] == "data next to the handlers"
    assert info["function_name"] == "test-service-dev-context"
    assert info["function_version"] == "$LATEST"
    assert info["invoked_function_arn"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:test-service-dev-context"
    )
    assert info["memory_limit_in_mb"] == "512"
    assert info["log_group_name"] == "/aws/lambda/test-service-dev-context"
    assert "[$LATEST]" in info["log_stream_name"]
    assert 8000 < info["remaining_ms"] <= 9000
    # made by the worker (the gateway sends none), shaped as Lambda's: a version-4 UUID
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}",
        info["aws_request_id"],
    )


def test_worker_stays_warm_between_requests(gateway: RunningGateway) -> None:
    first = context_of(gateway)
    second = context_of(gateway)
    assert second["pid"] == first["pid"]
    assert second["calls"] == first["calls"] + 1
    assert second["aws_request_id"] != first["aws_request_id"]


def test_exception_keeps_the_execution_environment_warm(gateway: RunningGateway) -> None:
    # Lambda reports a handler's exception and keeps the environment (unlike a crash).
    before = gateway.client.get(gateway.url + "/raises?ok=1").json()["pid"]
    assert gateway.client.get(gateway.url + "/raises").status_code == 502
    assert gateway.client.get(gateway.url + "/raises?ok=1").json()["pid"] == before


def test_lambda_request_id_differs_from_the_api_request_id(gateway: RunningGateway) -> None:
    response = gateway.client.get(gateway.url + "/context")
    assert response.json()["aws_request_id"] != response.headers["x-amzn-RequestId"]


def test_exception_is_502_with_traceback_on_the_console(gateway: RunningGateway) -> None:
    response = gateway.client.get(gateway.url + "/raises")
    assert response.status_code == 502
    assert response.content == INTERNAL_ERROR
    log = gateway.console("the handler failed on purpose")
    assert "[raises] about to fail" in log
    assert "the handler raised ValueError: the handler failed on purpose" in log
    assert 'handlers.py", line' in log and "in raises" in log


def test_import_error_is_502_and_retried_with_a_fresh_worker(gateway: RunningGateway) -> None:
    for _ in range(2):
        response = gateway.client.get(gateway.url + "/broken")
        assert response.status_code == 502
        assert response.content == INTERNAL_ERROR
    log = gateway.console("Unable to import module 'broken_import'", count=2)
    assert "Runtime.ImportModuleError: Unable to import module 'broken_import'" in log
    assert log.count("Unable to import module 'broken_import'") >= 2


def test_crash_is_502_and_the_next_request_gets_a_fresh_worker(gateway: RunningGateway) -> None:
    response = gateway.client.get(gateway.url + "/crashes")
    assert response.status_code == 502
    log = gateway.console("exit status 7")
    assert "[crashes] crashing now" in log
    assert "Runtime exited with error: exit status 7" in log
    assert gateway.client.get(gateway.url + "/crashes").status_code == 502


def test_killed_idle_worker_is_replaced(gateway: RunningGateway) -> None:
    first = context_of(gateway)
    os.kill(first["pid"], signal.SIGKILL)
    assert f"worker {first['pid']} exited while idle (signal: killed)" in gateway.console(
        f"worker {first['pid']} exited"
    )
    second = context_of(gateway)
    assert second["pid"] != first["pid"]
    assert second["calls"] == 1


def test_killed_busy_worker_is_502(gateway: RunningGateway) -> None:
    patient = BackgroundGet(gateway.url + "/patient?s=30")
    pool = gateway.server.runtimes["patient"]
    deadline = time.monotonic() + 10
    while not getattr(pool, "_workers", None) and time.monotonic() < deadline:
        time.sleep(0.01)
    worker = next(iter(pool._workers))  # type: ignore[attr-defined]
    while worker.current is None and time.monotonic() < deadline:  # not yet handling it
        time.sleep(0.01)
    os.kill(worker.pid, signal.SIGKILL)
    assert patient.response().status_code == 502
    assert "Runtime exited with error: signal: killed" in gateway.console("signal: killed")


def test_function_timeout_is_502_with_lambdas_message(gateway: RunningGateway) -> None:
    response = gateway.client.get(gateway.url + "/sleeps?s=3")
    assert response.status_code == 502
    assert response.content == INTERNAL_ERROR
    assert "Task timed out after 1.00 seconds" in gateway.console("Task timed out")
    quick = gateway.client.get(gateway.url + "/sleeps?s=0")
    assert quick.status_code == 200


def test_integration_timeout_is_504(gateway: RunningGateway) -> None:
    response = gateway.client.get(gateway.url + "/patient?s=2.5")
    assert response.status_code == 504
    assert response.content == b'{"message": "Endpoint request timed out"}'
    assert "1.5 s integration timeout" in gateway.console("integration timeout")


def test_handler_output_is_printed_under_the_function_name(gateway: RunningGateway) -> None:
    response = gateway.client.get(gateway.url + "/prints")
    assert response.status_code == 204
    log = gateway.console("line two to stderr")
    assert "[prints] line one from the handler" in log
    assert "[prints] line two to stderr" in log


def test_handler_path_with_directories(gateway: RunningGateway) -> None:
    assert gateway.client.get(gateway.url + "/nested").text == "nested"


def test_unserializable_result_is_502(gateway: RunningGateway) -> None:
    assert gateway.client.get(gateway.url + "/marshal").status_code == 502
    assert "Runtime.MarshalError" in gateway.console("MarshalError")


def test_concurrency_is_bounded_by_the_pool_size(gateway: RunningGateway) -> None:
    results: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        with httpx.Client(timeout=30) as client:
            pid = client.get(gateway.url + "/patient?s=0.3").json()["pid"]
        with lock:
            results.append(pid)

    threads = [threading.Thread(target=call) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6
    assert len(set(results)) <= 2  # max_workers=2: the others waited for a free worker
    assert gateway.server.runtimes["patient"].size <= 2  # type: ignore[attr-defined]
