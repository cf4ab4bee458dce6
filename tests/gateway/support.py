"""Shared helpers: hand-written templates and a real gateway server on a loopback port."""

from __future__ import annotations

import asyncio
import copy
import io
import json
import threading
import time
import weakref
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from corsway.gateway.accesslog import Console
from corsway.gateway.flavour import ServedApi
from corsway.gateway.rest.served import ServedRestApi
from corsway.gateway.rest.template import build_api
from corsway.gateway.server import GatewayServer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SERVICE_DIR = FIXTURES / "gateway_service"
SLS3 = FIXTURES / "sls3"
EXAMPLE_DIR = FIXTURES.parent.parent / "examples" / "products-service"
EXAMPLE_TEMPLATE = FIXTURES / "products-service" / "expected-template.json"
T = TypeVar("T")


def sls3_template(case: str) -> dict[str, Any]:
    """A stored Serverless v3 template (the compiler's oracle output)."""
    loaded: dict[str, Any] = json.loads((SLS3 / case / "expected-template.json").read_text())
    return loaded


def as_python(template: dict[str, Any], handler: str = "handlers.echo") -> dict[str, Any]:
    """The same template with every function running a Python handler from SERVICE_DIR."""
    result = copy.deepcopy(template)
    for resource in result["Resources"].values():
        if resource["Type"] == "AWS::Lambda::Function":
            resource["Properties"]["Runtime"] = "python3.11"
            resource["Properties"]["Handler"] = handler
    return result


def _ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def _logical(path: str) -> str:
    return "".join(
        part.strip("{}+").capitalize() + ("Var" if part.startswith("{") else "")
        for part in path.strip("/").split("/")
    )


def lambda_uri(function_arn: object) -> dict[str, Any]:
    """An integration's or authorizer's invocation URI, as the framework writes it."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                _ref("AWS::Partition"),
                ":apigateway:",
                _ref("AWS::Region"),
                ":lambda:path/2015-03-31/functions/",
                function_arn,
                "/invocations",
            ],
        ]
    }


@dataclass
class TemplateBuilder:
    """Builds CloudFormation the way the framework shapes it, for hand-written cases."""

    service: str = "test-service"
    stage: str = "dev"
    resources: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.resources["ApiGatewayRestApi"] = {
            "Type": "AWS::ApiGateway::RestApi",
            "Properties": {"Name": f"{self.stage}-{self.service}"},
        }
        self.resources["ApiGatewayDeploymentTIMESTAMP"] = {
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": {"RestApiId": _ref("ApiGatewayRestApi"), "StageName": self.stage},
        }

    def function(
        self,
        key: str,
        handler: str,
        *,
        runtime: str = "python3.11",
        timeout: float = 6,
        environment: dict[str, str] | None = None,
        memory: int = 1024,
    ) -> TemplateBuilder:
        properties: dict[str, Any] = {
            "Handler": handler,
            "Runtime": runtime,
            "FunctionName": f"{self.service}-{self.stage}-{key}",
            "MemorySize": memory,
            "Timeout": timeout,
        }
        if environment:
            properties["Environment"] = {"Variables": environment}
        self.resources[f"{key[0].upper()}{key[1:]}LambdaFunction"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": properties,
        }
        return self

    def _resource_id(self, path: str) -> Any:
        path = path.strip("/")
        if not path:
            return {"Fn::GetAtt": ["ApiGatewayRestApi", "RootResourceId"]}
        parent = path.rsplit("/", 1)[0] if "/" in path else ""
        logical = f"ApiGatewayResource{_logical(path)}"
        if logical not in self.resources:
            self.resources[logical] = {
                "Type": "AWS::ApiGateway::Resource",
                "Properties": {
                    "ParentId": self._resource_id(parent),
                    "PathPart": path.rsplit("/", 1)[-1],
                    "RestApiId": _ref("ApiGatewayRestApi"),
                },
            }
        return _ref(logical)

    def method(
        self,
        path: str,
        http_method: str,
        integration: dict[str, Any],
        *,
        authorization: str = "NONE",
    ) -> TemplateBuilder:
        logical = f"ApiGatewayMethod{_logical(path) if path.strip('/') else ''}" + (
            http_method.capitalize()
        )
        self.resources[logical] = {
            "Type": "AWS::ApiGateway::Method",
            "Properties": {
                "HttpMethod": http_method.upper(),
                "ResourceId": self._resource_id(path),
                "RestApiId": _ref("ApiGatewayRestApi"),
                "AuthorizationType": authorization,
                "Integration": integration,
            },
        }
        return self

    def proxy(self, path: str, http_method: str, function: str, **kwargs: Any) -> TemplateBuilder:
        arn = {"Fn::GetAtt": [f"{function[0].upper()}{function[1:]}LambdaFunction", "Arn"]}
        integration = {
            "IntegrationHttpMethod": "POST",
            "Type": "AWS_PROXY",
            "Uri": lambda_uri(arn),
        }
        return self.method(path, http_method, integration, **kwargs)

    def preflight(
        self, path: str, origin: str = "*", methods: str = "OPTIONS,GET", template: str = ""
    ) -> TemplateBuilder:
        integration = {
            "Type": "MOCK",
            "RequestTemplates": {"application/json": "{statusCode:200}"},
            "ContentHandling": "CONVERT_TO_TEXT",
            "IntegrationResponses": [
                {
                    "StatusCode": "200",
                    "ResponseParameters": {
                        "method.response.header.Access-Control-Allow-Origin": f"'{origin}'",
                        "method.response.header.Access-Control-Allow-Headers": (
                            "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,"
                            "X-Amz-Security-Token,X-Amz-User-Agent,X-Amzn-Trace-Id'"
                        ),
                        "method.response.header.Access-Control-Allow-Methods": f"'{methods}'",
                    },
                    "ResponseTemplates": {"application/json": template},
                }
            ],
        }
        return self.method(path, "OPTIONS", integration)

    def gateway_response(
        self,
        response_type: str,
        *,
        parameters: dict[str, str] | None = None,
        templates: dict[str, str] | None = None,
        status: str | None = None,
    ) -> TemplateBuilder:
        properties: dict[str, Any] = {
            "ResponseType": response_type,
            "RestApiId": _ref("ApiGatewayRestApi"),
        }
        if parameters:
            properties["ResponseParameters"] = {
                f"gatewayresponse.header.{k}": v for k, v in parameters.items()
            }
        if templates:
            properties["ResponseTemplates"] = templates
        if status:
            properties["StatusCode"] = status
        name = "GatewayResponse" + "".join(p.capitalize() for p in response_type.split("_"))
        self.resources[name] = {
            "Type": "AWS::ApiGateway::GatewayResponse",
            "Properties": properties,
        }
        return self

    def build(self) -> dict[str, Any]:
        return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": self.resources}


# Every gateway serving now: a test's waits look at what was printed since the previous test
# ended (`RunningGateway.mark`, moved on by the autouse fixture in tests/conftest.py), so that a
# gateway shared by a module's tests never satisfies a wait with an earlier test's line.
LIVE_GATEWAYS: weakref.WeakSet[RunningGateway] = weakref.WeakSet()


class FakeSocket:
    """The transport uvicorn's protocol writes to; `answer` resolves at each response."""

    def __init__(self) -> None:
        self.answer: asyncio.Future[bytes] | None = None
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.answer is not None and not self.answer.done():
            self.answer.set_result(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 3000), "peername": ("127.0.0.1", 50000)}.get(name)

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...


@dataclass(eq=False)
class RunningGateway:
    """A gateway serving on loopback, its console output and an HTTP client."""

    server: GatewayServer
    output: io.StringIO
    client: httpx.Client
    mark: int = 0  # where this test's output starts (see LIVE_GATEWAYS)

    def __post_init__(self) -> None:
        LIVE_GATEWAYS.add(self)

    @property
    def url(self) -> str:
        return self.server.base_url

    def console(self, contains: str = "", timeout: float = 10.0, count: int = 1) -> str:
        """The console output so far, once what this test printed holds `contains` `count`
        times (or after `timeout`)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.output.getvalue()
            if text.count(contains, self.mark) >= count or time.monotonic() > deadline:
                return text
            time.sleep(0.01)

    def last_line(self, *fragments: str, timeout: float = 10.0) -> str:
        """The last console line holding every fragment (waiting for it to be printed)."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.output.getvalue()
            lines = [line for line in text.splitlines() if all(f in line for f in fragments)]
            if lines:
                return lines[-1]
            if time.monotonic() > deadline:
                raise AssertionError(f"no console line holds {fragments!r}:\n{text[-2000:]}")
            time.sleep(0.01)


@contextmanager
def running_gateway(
    template: dict[str, Any],
    service_dir: Path = SERVICE_DIR,
    function_keys: dict[str, str] | None = None,
    **options: Any,
) -> Iterator[RunningGateway]:
    """Serve `template` on 127.0.0.1 (ephemeral port) in a background thread."""
    api = build_api(
        template,
        service_dir=service_dir,
        stage="dev",
        region="us-east-1",
        source="test.json",
        function_keys=function_keys,
    )
    with serving_apis(ServedRestApi(api), **options) as (server, output, client):
        yield RunningGateway(server, output, client)


@contextmanager
def serving_apis(
    apis: ServedApi | Sequence[ServedApi], **options: Any
) -> Iterator[tuple[GatewayServer, io.StringIO, httpx.Client]]:
    """A GatewayServer serving `apis` on 127.0.0.1 (ephemeral port) in a background thread, its
    console output and an HTTP client."""
    output = io.StringIO()
    server = GatewayServer(apis, Console(output, color=False), host="127.0.0.1", port=0, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the gateway did not start")
        time.sleep(0.01)
    try:
        with httpx.Client(timeout=30) as client:
            yield server, output, client
    finally:
        server.stop()
        thread.join(timeout=15)


def run_async(awaitable: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run` in a thread of its own: independent of any loop running in this thread
    (the browser tests' session-wide Playwright keeps one running)."""
    results: list[T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(asyncio.run(awaitable))
        except BaseException as error:  # handed to the caller
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return results[0]


class BackgroundGet:
    """A GET sent from another thread while the test goes on; `response()` waits for it."""

    def __init__(self, url: str, timeout_s: float = 30) -> None:
        self.url = url
        self._timeout_s = timeout_s
        self._response: httpx.Response | None = None
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=self._timeout_s) as client:
            self._response = client.get(self.url)

    def response(self, wait_s: float = 20) -> httpx.Response:
        """The answer, once it has come (fails after `wait_s`)."""
        self._thread.join(timeout=wait_s)
        assert self._response is not None, f"no answer from {self.url} within {wait_s} s"
        return self._response
