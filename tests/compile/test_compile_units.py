"""Small pieces with JavaScript semantics: coercion, merge, naming, numbers, JSON text."""

from __future__ import annotations

import json
from typing import Any

import pytest

from corsway.compile import naming
from corsway.compile.apigateway.cors import origin_pattern, response_template
from corsway.compile.jsmerge import UNDEFINED, merge, strip_undefined
from corsway.compile.jsonout import to_json
from corsway.service.jsvalues import js_number, js_ordered, js_string, js_truthy
from corsway.service.rules.common import ENVIRONMENT
from corsway.service.rules.iam import RESOURCE_POLICY_STATEMENTS
from corsway.service.rules.root import SERVICE
from corsway.service.schema import Issue, coerce


@pytest.mark.parametrize(
    ("value", "target", "result"),
    [
        ("10", "integer", (True, 10)),
        ("1.5", "integer", (False, "1.5")),
        ("1.5", "number", (True, 1.5)),
        ("", "number", (False, "")),
        (True, "integer", (True, 1)),
        (8080, "string", (True, "8080")),
        (False, "string", (True, "false")),
        (None, "string", (True, "")),
        (["x"], "string", (True, "x")),  # a one-item list becomes its item
        (["x", "y"], "string", (False, ["x", "y"])),
        ("*", "array", (True, ["*"])),
        ("true", "boolean", (True, True)),
        ("yes", "boolean", (False, "yes")),
        (0, "boolean", (True, False)),
        ("", "null", (True, None)),
    ],
)
def test_ajv_coercion(value: Any, target: str, result: tuple[bool, Any]) -> None:
    assert coerce(value, target) == result


def test_environment_values_become_strings() -> None:
    issues: list[Issue] = []
    env = {"PORT": 8080, "DEBUG": False, "REF": {"Ref": "X"}, "EMPTY": "", "LIST": ["a"]}
    assert ENVIRONMENT.check(env, ("provider", "environment"), issues.append) == {
        "PORT": "8080",
        "DEBUG": "false",
        "REF": {"Ref": "X"},
        "EMPTY": "",
        "LIST": "a",
    }
    assert issues == []
    ENVIRONMENT.check({"bad-name": "x"}, ("provider", "environment"), issues.append)
    assert [issue.kind for issue in issues] == ["unknown"]


def test_resource_policy_coercions_match_the_framework() -> None:
    statement = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "a:B",
        "Resource": ["execute-api:/x"],
    }
    other = {"Effect": "Allow", "Principal": "*", "Action": ["a:B"], "Resource": ["x:/y"]}
    issues: list[Issue] = []
    RESOURCE_POLICY_STATEMENTS.check([statement, other], ("p",), issues.append)
    # Action becomes a list; a one-item Resource list that fits a single-value alternative
    # becomes its item; one that fits nothing ends as ajv leaves it (a list), with a warning
    assert statement["Action"] == ["a:B"]
    assert statement["Resource"] == "execute-api:/x"
    assert other["Resource"] == ["x:/y"]
    assert [issue.path for issue in issues] == [("p", 1, "Resource", 0)]


def test_null_properties_are_not_validated() -> None:
    issues: list[Issue] = []
    config = {"service": "svc", "provider": {"name": "aws", "timeout": None}, "custom": None}
    SERVICE.check(config, (), issues.append)
    assert issues == []


def test_merge_is_lodash_merge() -> None:
    target: dict[str, Any] = {"a": [1, {"x": 1}, 3], "b": {"k": 1}, "c": "keep", "d": 1}
    merge(target, {"a": [9, {"y": 2}], "b": {"j": 2}, "c": UNDEFINED, "d": None, "e": UNDEFINED})
    assert target == {
        "a": [9, {"x": 1, "y": 2}, 3],
        "b": {"k": 1, "j": 2},
        "c": "keep",
        "d": None,
        "e": UNDEFINED,
    }
    merge(target, {"e": 5})
    assert list(target) == ["a", "b", "c", "d", "e"]  # the undefined key kept its place
    assert strip_undefined({"x": UNDEFINED, "y": [UNDEFINED, 1]}) == {"y": [None, 1]}


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("product/{id}", "ProductIdVar"),
        ("anything/{proxy+}", "AnythingProxyVar"),
        ("api/v1/users/{userId}", "ApiV1UsersUseridVar"),
        ("order-items", "OrderDashitems"),
        ("q1_summary.json", "Q1summaryjson"),
        ("things:batch", "Thingsbatch"),
    ],
)
def test_resource_names(path: str, fragment: str) -> None:
    assert naming.normalize_path(path) == fragment


def test_function_names_and_logical_ids() -> None:
    assert naming.lambda_id("my-fn_v2") == "MyDashfnUnderscorev2LambdaFunction"
    assert naming.method_id("ProductIdVar", "get") == "ApiGatewayMethodProductIdVarGet"
    assert naming.method_id("", "any") == "ApiGatewayMethodAny"
    assert naming.authorizer_name_from_arn("arn:aws:lambda:r:1:function:svc-dev-auth") == "auth"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "1"),
        (1.5, "1.5"),
        (1e21, "1e+21"),
        (1e-7, "1e-7"),
        (0.000001, "0.000001"),
        (True, "true"),
    ],
)
def test_js_number(value: Any, text: str) -> None:
    assert js_number(value) == text


def test_js_strings_truthiness_and_key_order() -> None:
    assert js_string([1, None, "a"]) == "1,,a"
    assert js_string({"a": 1}) is None
    values: list[object] = [[], {}, "", 0, "0", None]
    assert [js_truthy(v) for v in values] == [
        True,
        True,
        False,
        False,
        True,
        False,
    ]
    assert list(js_ordered({"b": 1, "10": 2, "2": 3, "01": 4})) == ["2", "10", "b", "01"]


def test_json_text_is_json_stringify_with_two_spaces() -> None:
    value = {"a": [], "b": {}, "c": [1, {"d": "é\n"}], "e": 1.0, "f": None}
    text = to_json(value)
    assert text == (
        '{\n  "a": [],\n  "b": {},\n  "c": [\n    1,\n    {\n      "d": "é\\n"\n    }\n  ],\n'
        '  "e": 1,\n  "f": null\n}'
    )
    assert json.loads(text) == value


def test_origin_patterns_and_the_vtl_template() -> None:
    assert origin_pattern("https://*.example.com") == "https://.+[.]example[.]com"
    assert origin_pattern("https://*.*.example.com") == "https://.+[.]*[.]example[.]com"
    assert origin_pattern("*") == ".+"
    assert response_template(["https://a.com", "*"]).endswith(
        '#if($origin.matches("https://a[.]com") || $origin.matches(".+")) '
        "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin) #end"
    )
