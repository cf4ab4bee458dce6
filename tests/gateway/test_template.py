"""Template → API model: the stored Serverless v3 templates, intrinsics, and clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from corsway.errors import CorswayError
from corsway.gateway.cfn import read_template
from corsway.gateway.intrinsics import Intrinsics
from corsway.gateway.rest.model import Api
from corsway.gateway.rest.template import build_api
from tests.gateway.support import SERVICE_DIR, SLS3, TemplateBuilder, sls3_template

CASES = sorted(path.name for path in SLS3.iterdir() if path.is_dir())


def build(template: dict[str, Any]) -> Api:
    return build_api(
        template, service_dir=SERVICE_DIR, stage="dev", region="us-east-1", source="t.json"
    )


def routes(api: Api) -> set[tuple[str, str, str]]:
    return {
        (name, resource.path, method.integration.type)
        for resource in api.resources
        for name, method in resource.methods.items()
    }


def test_fixtures_are_the_shared_oracle_files() -> None:
    repo = Path(__file__).resolve().parents[2]
    candidates = [repo.parent / "shared/sls3/cases", Path("/work/shared/sls3/cases")]
    shared = next((path for path in candidates if path.is_dir()), None)
    if shared is None:
        pytest.skip("the shared oracle directory is not on this machine")
    for case in (c for c in CASES if (shared / c).is_dir()):
        for file in (shared / case).iterdir():
            assert file.read_bytes() == (SLS3 / case / file.name).read_bytes(), file


EXTERNAL_API_CASES = [c for c in CASES if c.startswith("provider-external-")]
# httpapi-* cases compile HTTP APIs (AWS::ApiGatewayV2::*), which this REST model does not build
REST_CASES = [c for c in CASES if c not in EXTERNAL_API_CASES and not c.startswith("httpapi-")]


@pytest.mark.parametrize("case", REST_CASES)
def test_every_stored_template_builds(case: str) -> None:
    api = build(sls3_template(case))
    assert api.stage == "dev"
    assert api.resources
    for resource in api.resources:
        for method in resource.methods.values():
            if method.integration.type == "AWS_PROXY":
                assert method.integration.function_key in api.functions


@pytest.mark.parametrize("case", EXTERNAL_API_CASES)
def test_existing_rest_api_is_refused_clearly(case: str) -> None:
    with pytest.raises(CorswayError) as error:
        build(sls3_template(case))
    assert "adds methods to an existing REST API (" in error.value.message
    assert "from provider.apiGateway.restApiId" in error.value.message


def test_environment_values_without_a_local_value_are_announced() -> None:
    api = build(sls3_template("short-form-tags"))
    env = api.functions["items"].environment
    assert env["QUEUE_URL"] == "https://sqs.us-east-1.amazonaws.com/123456789012/queue"
    assert env["SELECTED"] == "us-east-1a"
    assert "IMPORTED" not in env
    assert any("environment variable IMPORTED is left unset" in n for n in api.notes)


def test_seed_routes_and_functions() -> None:
    api = build(sls3_template("seed-tldr"))
    assert routes(api) == {
        ("OPTIONS", "/product", "MOCK"),
        ("POST", "/product", "AWS_PROXY"),
        ("OPTIONS", "/product/{id}", "MOCK"),
        ("GET", "/product/{id}", "AWS_PROXY"),
    }
    get_product = api.functions["getProduct"]
    assert get_product.name == "products-service-dev-getProduct"
    assert get_product.handler == "handler.getProduct"
    assert get_product.timeout_s == 6
    assert get_product.memory_mb == 1024
    assert set(api.gateway_responses) == {"DEFAULT_4XX"}
    assert api.notes == ()


def test_what_authorizers_cannot_enforce_is_announced_once_per_route() -> None:
    notes = build(sls3_template("authorizers")).notes
    assert (
        "GET /iam: AWS_IAM: a request without a SigV4 signature gets 403 Missing Authentication "
        "Token (as on AWS); signatures and IAM permissions are NOT verified by corsway serve, so "
        "any signed request reaches the integration"
    ) in notes
    assert (
        "GET /cognito: COGNITO_USER_POOLS authorizer cognitoPool: only the presence of the "
        "Authorization header is checked (401 without it, as on AWS); the token's signature, "
        "expiry, audience, user pool and scopes (email) are NOT verified by corsway serve, and "
        "requestContext.authorizer.claims holds its claims decoded without verification"
    ) in notes
    assert (
        "GET /arn: authorizer externalAuth (TOKEN) invokes "
        "arn:aws:lambda:us-east-1:123456789012:function:auth-service-dev-externalAuth, which is "
        "not a Lambda function of this template: corsway serve cannot run it, so requests that "
        'pass its identity-source check answer 500 {"message": null} '
        "(AUTHORIZER_CONFIGURATION_ERROR), as API Gateway does when it cannot invoke an authorizer"
    ) in notes
    assert len(notes) == 3  # the five Lambda authorizers of the service are enforced: no note
    api_keys = build(sls3_template("provider-apigateway"))
    assert any("ApiKeyRequired is NOT checked" in n for n in api_keys.notes)
    assert api_keys.binary_media_types == ("image/png", "*/*")


def test_non_proxy_integrations_are_announced() -> None:
    notes = build(sls3_template("cors-nonproxy-integrations")).notes
    assert any(n.startswith("GET /lambda/default: AWS (lambda) integrations") for n in notes)
    assert any(n.startswith("GET /proxy: HTTP_PROXY integrations") for n in notes)


def test_environment_and_intrinsics_in_function_properties() -> None:
    template = TemplateBuilder().function("f", "handlers.echo").build()
    template["Resources"]["FLambdaFunction"]["Properties"]["Environment"] = {
        "Variables": {
            "REGION": {"Ref": "AWS::Region"},
            "ARN": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::AccountId}-${!Literal}"},
            "JOINED": {"Fn::Join": ["-", ["a", {"Fn::Select": [1, ["x", "y"]]}]]},
            "FLAG": True,
            "NUMBER": 3,
        }
    }
    env = build(template).functions["f"].environment
    assert env == {
        "REGION": "us-east-1",
        "ARN": "arn:aws:s3:::123456789012-${Literal}",
        "JOINED": "a-y",
        "FLAG": "true",
        "NUMBER": "3",
    }


def test_ids_are_fake_but_stable() -> None:
    first = build(sls3_template("seed-tldr"))
    second = build(sls3_template("seed-tldr"))
    assert first.api_id == second.api_id
    assert first.deployment_id == second.deployment_id
    assert [r.resource_id for r in first.resources] == [r.resource_id for r in second.resources]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda t: t.pop("Resources"), "not a CloudFormation template"),
        (lambda t: t["Resources"].pop("ApiGatewayRestApi"), "no AWS::ApiGateway::RestApi"),
        (
            lambda t: t["Resources"]["ApiGatewayMethodProductPost"]["Properties"].update(
                ResourceId="nope"
            ),
            "Resources.ApiGatewayMethodProductPost.Properties.ResourceId: 'nope' is not a resource",
        ),
        (
            lambda t: t["Resources"]["ApiGatewayMethodProductPost"]["Properties"].update(
                HttpMethod="FETCH"
            ),
            "HttpMethod: 'FETCH' is not one of ANY",
        ),
        (
            lambda t: t["Resources"]["GatewayResponseDefault4XX"]["Properties"].update(
                ResponseType="DEFAULT_3XX"
            ),
            "ResponseType: 'DEFAULT_3XX' is not a gateway response type",
        ),
        (
            lambda t: t["Resources"]["ApiGatewayResourceProduct"]["Properties"].update(
                ParentId={"Ref": "Missing"}
            ),
            "Ref to 'Missing', which is not a resource",
        ),
        (
            lambda t: t["Resources"]["ApiGatewayResourceProduct"]["Properties"].update(
                ParentId={"Fn::ImportValue": "x"}
            ),
            "the intrinsic Fn::ImportValue is not supported",
        ),
        (
            lambda t: t["Resources"]["ApiGatewayMethodProductPost"]["Properties"][
                "Integration"
            ].update(Type="SOAP"),
            "'SOAP' is not an integration type",
        ),
    ],
)
def test_invalid_templates_name_the_property(mutate: Any, message: str) -> None:
    template = sls3_template("seed-tldr")
    mutate(template)
    with pytest.raises(CorswayError) as error:
        build(template)
    assert message in error.value.message
    assert str(error.value).startswith("t.json: error: ")


def test_yaml_template_with_short_forms(tmp_path: Path) -> None:
    path = tmp_path / "template.yml"
    path.write_text(
        "Resources:\n  A:\n    Type: X\n    Properties:\n      B: !Ref AWS::Region\n"
        "      C: !GetAtt Fn.Arn\n      D: !Sub 'x-${AWS::Region}'\n"
    )
    document = read_template(path)
    props = document["Resources"]["A"]["Properties"]
    assert props == {
        "B": {"Ref": "AWS::Region"},
        "C": {"Fn::GetAtt": ["Fn", "Arn"]},
        "D": {"Fn::Sub": "x-${AWS::Region}"},
    }
    intrinsics = Intrinsics({}, region="eu-west-1", stack_name="s", source="t")
    assert intrinsics.evaluate(props["D"], "D") == "x-eu-west-1"


def test_invalid_yaml_points_at_the_line(tmp_path: Path) -> None:
    path = tmp_path / "template.yml"
    path.write_text("Resources:\n  A: [unclosed\n")
    with pytest.raises(CorswayError) as error:
        read_template(path)
    assert error.value.location is not None
    assert error.value.location.line == 3
