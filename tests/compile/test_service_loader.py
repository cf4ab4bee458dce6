"""Reading YAML as Serverless v3 does (js-yaml 4, YAML 1.2), with a location for every value."""

from __future__ import annotations

from typing import Any

import pytest

from corsway.errors import CorswayError, SourceLocation
from corsway.service.loader import CFN_TAGS, load_yaml, resolve_plain_scalar


def load(text: str) -> Any:
    return load_yaml(text, "serverless.yml")[0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("off", "off"),  # YAML 1.1 boolean, a string in YAML 1.2
        ("yes", "yes"),
        ("True", True),
        ("FALSE", False),
        ("~", None),
        ("", None),
        ("Null", None),
        ("0755", 755),  # not octal in YAML 1.2
        ("0o17", 15),
        ("0x1F", 31),
        ("-0b101", -5),
        ("1_000", "1_000"),
        ("1e5", 100000),  # a JS number: integral, printed without a fraction
        ("1.5", 1.5),
        (".5", 0.5),
        ("1e400", "1e400"),  # not finite: js-yaml keeps the text
        ("2001-12-14", "2001-12-14T00:00:00.000Z"),
        ("2001-12-14t21:59:43.10-05:00", "2001-12-15T02:59:43.100Z"),
        ("2001-12-14 21:59:43.1234", "2001-12-14T21:59:43.123Z"),
        ("12:30", "12:30"),  # sexagesimal in YAML 1.1, a string here
        ("+12", 12),
        ("-", "-"),
    ],
)
def test_plain_scalars_resolve_like_js_yaml(text: str, value: Any) -> None:
    assert resolve_plain_scalar(text) == value
    assert type(resolve_plain_scalar(text)) is type(value)


def test_quoted_scalars_stay_strings_and_explicit_tags_apply() -> None:
    data = load("a: 'true'\nb: \"0755\"\nc: !!str 10\nd: !!int '42'\ne: !!float '2'\n")
    assert data == {"a": "true", "b": "0755", "c": "10", "d": 42, "e": 2}


def test_integer_like_keys_come_first_as_in_a_javascript_object() -> None:
    data = load("codes:\n  abc: 1\n  404: 2\n  200: 3\n  '007': 4\n")
    assert list(data["codes"]) == ["200", "404", "abc", "007"]


def test_merge_keys_fill_in_without_overriding_explicit_keys() -> None:
    data = load("base: &b {k1: 1, k2: 2}\nm:\n  k2: 0\n  <<: *b\n  k3: 3\n")
    assert data["m"] == {"k2": 0, "k1": 1, "k3": 3}


@pytest.mark.parametrize("tag", sorted(CFN_TAGS))
def test_every_cloudformation_short_form_becomes_its_long_form(tag: str) -> None:
    data = load(f"scalar: {tag} some.value\nlist: {tag} [a, b]\nmap: {tag} {{k: v}}\n")
    name = CFN_TAGS[tag]
    expected_scalar: Any = ["some", "value"] if name == "Fn::GetAtt" else "some.value"
    assert data == {
        "scalar": {name: expected_scalar},
        "list": {name: ["a", "b"]},
        "map": {name: {"k": "v"}},
    }


def test_nested_short_forms_and_getatt_with_dots() -> None:
    data = load("v: !Join ['-', [!Ref Stage, !GetAtt Res.Attr.Deep, !Sub '${AWS::Region}']]\n")
    assert data["v"] == {
        "Fn::Join": [
            "-",
            [
                {"Ref": "Stage"},
                {"Fn::GetAtt": ["Res", "Attr.Deep"]},
                {"Fn::Sub": "${AWS::Region}"},
            ],
        ]
    }


def test_every_value_and_key_has_its_line_and_column() -> None:
    data, source_map = load_yaml(
        "service: s\nfunctions:\n  hello:\n    events:\n      - http:\n          path: items\n",
        "serverless.yml",
    )
    path = ("functions", "hello", "events", 0, "http", "path")
    assert data["functions"]["hello"]["events"][0]["http"]["path"] == "items"
    assert source_map.value(path) == SourceLocation("serverless.yml", 6, 17)
    assert source_map.key(path) == SourceLocation("serverless.yml", 6, 11)
    # an unknown deeper path falls back to its nearest known ancestor
    assert source_map.value((*path, "missing")) == SourceLocation("serverless.yml", 6, 17)


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        (
            "a: 1\n  b: 2\n",
            "malformed YAML: mapping values are not allowed",
            (2, 4),
        ),
        ("a: [1, 2\nb: 3\n", "malformed YAML: did not find expected ',' or ']'", (2, 2)),
        ("a: 1\na: 2\n", "duplicated mapping key 'a' (each key may appear only once)", (2, 1)),
        ("a: !Bogus x\n", "unknown YAML tag !Bogus", (1, 4)),
        ("a: !!binary aGk=\n", "the YAML tag !!binary is not supported", (1, 4)),
        ("a: !!int abc\n", "'abc' is not a valid value for the explicit YAML tag", (1, 4)),
        ("a: &x [*x]\n", "a YAML alias refers to the node that contains it", (1, 4)),
    ],
)
def test_bad_yaml_is_an_error_with_its_location(
    text: str, message: str, where: tuple[int, int]
) -> None:
    with pytest.raises(CorswayError) as caught:
        load_yaml(text, "serverless.yml")
    assert message in caught.value.message
    assert caught.value.location == SourceLocation("serverless.yml", *where)
