"""Serverless variables, with the semantics of the real framework (checked with the oracle)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from corsway.errors import CorswayError, SourceLocation
from corsway.service import Service, load_service
from corsway.service.varsyntax import VariableSyntaxError, parse

HEAD = "service: vars\nprovider:\n  name: aws\n"


def write(directory: Path, body: str, name: str = "serverless.yml") -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body))
    return path


def service(
    tmp_path: Path,
    body: str,
    *,
    env: dict[str, str] | None = None,
    stage: str | None = "dev",
    region: str | None = "us-east-1",
) -> Service:
    write(tmp_path, HEAD + textwrap.dedent(body))
    return load_service(tmp_path, stage=stage, region=region, env=env or {}, instance_id="1234")


def custom(tmp_path: Path, body: str, **kwargs: Any) -> dict[str, Any]:
    loaded = service(tmp_path, "custom:\n" + textwrap.indent(textwrap.dedent(body), "  "), **kwargs)
    result: dict[str, Any] = loaded.config["custom"]
    return result


def error_of(tmp_path: Path, body: str, **kwargs: Any) -> CorswayError:
    with pytest.raises(CorswayError) as caught:
        service(tmp_path, body, **kwargs)
    return caught.value


def test_a_whole_variable_keeps_its_type_a_partial_one_is_spliced(tmp_path: Path) -> None:
    values = custom(
        tmp_path,
        """
        num: 5
        flag: true
        list: [a, b]
        obj: {k: v}
        whole: ${self:custom.num}
        wholeObj: ${self:custom.obj}
        numInString: ${self:custom.num}-x
        flagInString: ${self:custom.flag}-x
        listInString: ${self:custom.list}-x
        index: ${self:custom.list.1}
        length: ${self:custom.list.length}
        """,
    )
    assert values["whole"] == 5
    assert values["wholeObj"] == {"k": "v"}
    assert values["numInString"] == "5-x"
    assert values["flagInString"] == "true-x"
    assert values["listInString"] == "a,b-x"
    assert values["index"] == "b"
    assert values["length"] == 2


def test_defaults_and_fallback_sources(tmp_path: Path) -> None:
    values = custom(
        tmp_path,
        """
        single: ${env:MISSING, 'fall back'}
        double: ${env:MISSING, "dq"}
        number: ${env:MISSING, 123}
        boolean: ${env:MISSING, true}
        chained: ${env:MISSING, opt:missing, self:custom.single}
        empty: x${env:EMPTY}x
        set: ${env:SET}
        """,
        env={"EMPTY": "", "SET": "42"},
    )
    assert values == {
        "single": "fall back",
        "double": "dq",
        "number": 123,
        "boolean": True,
        "chained": "fall back",
        "empty": "xx",  # an empty variable is a value, not a reason to fall back
        "set": "42",
    }


def test_stage_and_region_sources(tmp_path: Path) -> None:
    body = """
    stage: ${sls:stage}
    optStage: ${opt:stage, 'none'}
    region: ${aws:region}
    optRegion: ${opt:region, 'none'}
    instance: ${sls:instanceId}
    """
    assert custom(tmp_path, body, stage="prod", region="eu-west-1") == {
        "stage": "prod",
        "optStage": "prod",
        "region": "eu-west-1",
        "optRegion": "eu-west-1",
        "instance": "1234",
    }
    assert custom(tmp_path, body, stage=None, region=None) == {
        "stage": "dev",
        "optStage": "none",
        "region": "us-east-1",
        "optRegion": "none",
        "instance": "1234",
    }


def test_provider_stage_is_read_from_the_file_only(tmp_path: Path) -> None:
    loaded = service(
        tmp_path,
        "  stage: prod\ncustom:\n  self: ${self:provider.stage}\n  sls: ${sls:stage}\n",
        stage="dev",
    )
    assert loaded.config["custom"] == {"self": "prod", "sls": "dev"}
    assert loaded.stage == "dev"
    assert [str(w) for w in loaded.warnings] == [
        "serverless.yml:4:10: warning: provider.stage is 'prod' but the stage in use is 'dev' "
        "(--stage wins); any ${self:provider.stage} in the file resolved to 'prod', while "
        "${sls:stage} gives 'dev'"
    ]
    error = error_of(tmp_path, "custom:\n  stage: ${self:provider.stage}\n")
    assert str(error) == (
        "serverless.yml:5:10: error: cannot resolve ${self:provider.stage} in custom.stage: "
        "provider.stage has no value (it reads the file only: set provider.stage, or use "
        "${sls:stage} for the stage in use)"
    )


def test_nested_variables_and_variables_in_resolved_values(tmp_path: Path) -> None:
    values = custom(
        tmp_path,
        """
        devValue: dv
        prodValue: pv
        pick: ${self:custom.${opt:stage}Value}
        indirect: ${self:custom.pointer}
        pointer: ${self:custom.pick}-suffix
        """,
        stage="prod",
    )
    assert values["pick"] == "pv"
    assert values["indirect"] == "pv-suffix"


def test_file_sources(tmp_path: Path) -> None:
    write(tmp_path, "key: from-file\nnested:\n  deep: 7\n  withVar: ${self:service}-x\n", "c.yml")
    write(tmp_path, '{"jkey": "json-value"}', "data.json")
    write(tmp_path, "text content\n", "note.txt")
    values = custom(
        tmp_path,
        """
        key: ${file(./c.yml):key}
        deep: ${file(./c.yml):nested.deep}
        whole: ${file(./c.yml)}
        json: ${file(./data.json):jkey}
        text: ${file(./note.txt)}
        missing: ${file(./nope.yml), 'dflt'}
        missingKey: ${file(./c.yml):nope, 'dflt2'}
        """,
    )
    assert values == {
        "key": "from-file",
        "deep": 7,
        "whole": {"key": "from-file", "nested": {"deep": 7, "withVar": "vars-x"}},
        "json": "json-value",
        "text": "text content\n",
        "missing": "dflt",
        "missingKey": "dflt2",
    }


def test_values_from_a_file_keep_their_location_in_that_file(tmp_path: Path) -> None:
    write(tmp_path, "limits:\n  timeout: soon\n", "config/limits.yml")
    write(tmp_path, HEAD + "  timeout: ${file(./config/limits.yml):limits.timeout}\n")
    # a scalar is reported where the variable is used (a timeout that is no number only warns,
    # as in the framework) ...
    warnings = load_service(tmp_path, env={}).warnings
    assert [w.location for w in warnings if "provider.timeout" in w.message] == [
        SourceLocation("serverless.yml", 4, 12)
    ]
    write(tmp_path, "cors:\n  origin: 5\n  maxAge: soon\n", "config/cors.yml")
    write(
        tmp_path,
        HEAD + "functions:\n  f:\n    handler: h.main\n    events:\n      - http:\n"
        "          path: x\n          method: get\n"
        "          cors: ${file(./config/cors.yml):cors}\n",
    )
    with pytest.raises(CorswayError) as caught:
        load_service(tmp_path, env={})
    # ... an object's inner values where they were written, in the other file
    assert str(caught.value) == (
        "config/cors.yml:3:11: error: functions.f.events[0].http.cors.maxAge: must be an "
        'integer of at least 1, not string "soon"'
    )


def test_params_strtobool_escapes_and_cloudformation_references(tmp_path: Path) -> None:
    loaded = service(
        tmp_path,
        """
        params:
          default: {greeting: hello, level: default-level}
          prod: {level: prod-level}
        custom:
          level: ${param:level}
          greeting: ${param:greeting}
          yes: ${strToBool(${env:FLAG})}
          no: ${strToBool(0)}
          escaped: \\${self:service}
          dollars: $${self:service}
          foreign: ${AWS::Region}-${Param}
          mixed: ${Foo-${self:service}}
        """,
        env={"FLAG": "true"},
        stage="prod",
    )
    assert loaded.config["custom"] == {
        "level": "prod-level",
        "greeting": "hello",
        "yes": True,
        "no": False,
        "escaped": "${self:service}",
        "dollars": "vars",  # the extra `$` belongs to the variable, as in the framework
        "foreign": "${AWS::Region}-${Param}",
        "mixed": "${Foo-vars}",
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "custom:\n  a: ${self:custom.a}\n",
            "serverless.yml:5:6: error: circular reference: custom.a refers to itself through a "
            "variable",
        ),
        (
            "custom:\n  a: ${self:custom.b}\n  b: ${self:custom.a}\n",
            "serverless.yml:6:6: error: circular reference among variables: custom.a -> "
            "custom.b -> custom.a",
        ),
        (
            "custom:\n  whole: ${self:custom}\n",
            "serverless.yml:5:10: error: circular reference: custom.whole refers to itself "
            "through a variable",
        ),
        (
            "custom:\n  a: ${env:NOPE}\n",
            "serverless.yml:5:6: error: cannot resolve ${env:NOPE} in custom.a: the environment "
            "variable NOPE is not set and no default is given",
        ),
        (
            "custom:\n  a: ${opt:stage}\n",
            "serverless.yml:5:6: error: cannot resolve ${opt:stage} in custom.a: the option "
            "--stage was not given and no default is given",
        ),
        (
            "custom:\n  a: ${file(./missing.yml):key}\n",
            "serverless.yml:5:6: error: cannot resolve ${file(./missing.yml):key} in custom.a: "
            "the file (or the key in it) does not exist and no default is given",
        ),
        (
            "custom:\n  a: ${ssm:/app/key}\n",
            "serverless.yml:5:6: error: cannot resolve ${ssm:/app/key} in custom.a: the 'ssm' "
            "source reads AWS Systems Manager Parameter Store, and `corsway package` works "
            "offline without AWS credentials; give a default for offline use, e.g. "
            "${ssm:..., 'value'}",
        ),
        (
            "custom:\n  a: ${aws:accountId}\n",
            "serverless.yml:5:6: error: cannot resolve ${aws:accountId} in custom.a: "
            "${aws:accountId} asks AWS STS for the account of the current credentials, and "
            "`corsway package` works offline; give a default for offline use, e.g. "
            "${aws:..., 'value'}",
        ),
        (
            "custom:\n  a: ${file(./x.js):thing}\n",
            "serverless.yml:5:6: error: cannot resolve ${file(./x.js):thing} in custom.a: "
            "./x.js is JavaScript that Serverless would run, and corsway does not execute "
            "JavaScript; use a YAML or JSON file; give a default for offline use, e.g. "
            "${file:..., 'value'}",
        ),
        (
            "custom:\n  a: ${vault:secret}\n",
            "serverless.yml:5:6: error: cannot resolve ${vault:secret} in custom.a: "
            "unrecognized variable source 'vault' (Serverless v3 knows: aws, cf, env, file, "
            "opt, param, s3, self, sls, ssm, strToBool)",
        ),
        (
            "custom:\n  a: ${env:X, fallback}\n",
            "serverless.yml:5:6: error: invalid variable syntax in custom.a: Invalid literal "
            "source 'fallback' (at character 10 of '${env:X, fallback}')",
        ),
        (
            "custom:\n  obj: {k: v}\n  a: x-${self:custom.obj}\n",
            "serverless.yml:6:6: error: cannot resolve custom.a: ${self:custom.obj} gives "
            '{"k": "v"}, which cannot be spliced into a string; make the whole value the '
            "variable, or point it at a string",
        ),
    ],
)
def test_unresolvable_variables_are_errors_naming_file_line_and_variable(
    tmp_path: Path, body: str, message: str
) -> None:
    assert str(error_of(tmp_path, body, stage=None)) == message


def test_a_default_stands_in_for_an_aws_lookup_with_a_warning(tmp_path: Path) -> None:
    loaded = service(tmp_path, "custom:\n  key: ${ssm:/app/key, 'local-key'}\n")
    assert loaded.config["custom"]["key"] == "local-key"
    assert [str(w) for w in loaded.warnings] == [
        "serverless.yml:5:8: warning: ${ssm:/app/key, 'local-key'} in custom.key: the 'ssm' "
        "source reads AWS Systems Manager Parameter Store, and `corsway package` works offline "
        "without AWS credentials; corsway used the next source instead (the framework would use "
        "it only when the lookup finds nothing)"
    ]


def test_runaway_nesting_stops_with_an_error(tmp_path: Path) -> None:
    error = error_of(tmp_path, "custom:\n  a: ${env:LOOP}\n", env={"LOOP": "${env:LOOP}"})
    assert "variables nest deeper than 10 levels" in error.message


def test_dotenv_files_feed_env_variables_without_overriding(tmp_path: Path) -> None:
    write(tmp_path, 'FROM_FILE=plain\nQUOTED="a b"\nEXPANDED=${FROM_FILE}-x\nKEPT=file\n', ".env")
    write(tmp_path, "STAGED=yes\n", ".env.prod")
    body = "custom:\n  a: ${env:FROM_FILE}\n  b: ${env:QUOTED}\n  c: ${env:EXPANDED}\n"
    loaded = service(
        tmp_path, "useDotenv: true\n" + body.replace("custom", "custom", 1), env={"KEPT": "process"}
    )
    assert loaded.config["custom"] == {"a": "plain", "b": "a b", "c": "plain-x"}
    staged = service(
        tmp_path,
        "useDotenv: true\ncustom:\n  s: ${env:STAGED}\n  k: ${env:KEPT, 'none'}\n",
        stage="prod",
        env={"KEPT": "process"},
    )
    assert staged.config["custom"] == {"s": "yes", "k": "process"}


@pytest.mark.parametrize(
    "text",
    ["${self:a", "${env:X, }", "${self:a}${env:A, 'x' 'y'}", "${file(}"],
)
def test_syntax_errors_are_reported(text: str) -> None:
    with pytest.raises(VariableSyntaxError):
        parse(text)


def test_text_without_variables_parses_to_nothing() -> None:
    assert parse("plain").variables == []
    assert parse("${Foo}").variables == []
