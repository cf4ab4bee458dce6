"""CloudFormation logical ids, named exactly as Serverless Framework v3 names them."""

from __future__ import annotations

import re

_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
_PATH_VARIABLE = re.compile(r"\{(.*)\}")

REST_API = "ApiGatewayRestApi"
ROLE = "IamRoleLambdaExecution"
DEPLOYMENT_BUCKET = "ServerlessDeploymentBucket"
DEPLOYMENT_BUCKET_POLICY = "ServerlessDeploymentBucketPolicy"


def upper_first(text: str) -> str:
    """lodash `upperFirst`."""
    return text[:1].upper() + text[1:]


def capitalize(text: str) -> str:
    """lodash `capitalize`: first letter upper-cased, **the rest lower-cased**."""
    return upper_first(text.lower())


def normalized_name(name: str) -> str:
    """Function/authorizer names: `-` -> `Dash`, `_` -> `Underscore`, first letter upper."""
    return upper_first(name.replace("-", "Dash").replace("_", "Underscore"))


def normalize_path_part(part: str) -> str:
    """One path segment: `{id}` -> `IdVar`, `my-items` -> `MyDashitems`, `{x+}` -> `XVar`."""
    text = capitalize(part).replace("-", "Dash")
    text = _PATH_VARIABLE.sub(r"\1Var", text)
    return upper_first(_NOT_ALNUM.sub("", text))


def normalize_path(path: str) -> str:
    """A whole resource path, segment by segment: `product/{id}` -> `ProductIdVar`."""
    return "".join(normalize_path_part(part) for part in path.split("/"))


def resource_id(path: str) -> str:
    return f"ApiGatewayResource{normalize_path(path)}"


def method_id(resource_name: str, method: str) -> str:
    """`ApiGatewayMethod<ResourceName><Method>`, Method as `Get`, `Options`, ..."""
    return f"ApiGatewayMethod{resource_name}{upper_first(method.lower())}"


def lambda_id(function: str) -> str:
    return f"{normalized_name(function)}LambdaFunction"


def log_group_id(function: str) -> str:
    return f"{normalized_name(function)}LogGroup"


def lambda_version_id(function: str, digest: str) -> str:
    return f"{normalized_name(function)}LambdaVersion{_NOT_ALNUM.sub('', digest)}"


def version_output_id(function: str) -> str:
    return f"{lambda_id(function)}QualifiedArn"


def permission_id(function: str) -> str:
    return f"{normalized_name(function)}LambdaPermissionApiGateway"


def authorizer_id(name: str) -> str:
    return f"{normalized_name(name)}ApiGatewayAuthorizer"


def deployment_id(instance_id: str) -> str:
    return f"ApiGatewayDeployment{instance_id}"


def api_key_id(number: int, name: str | None = None) -> str:
    return f"ApiGatewayApiKey{upper_first(name)}{number}" if name else f"ApiGatewayApiKey{number}"


def usage_plan_id(name: str | None = None) -> str:
    return f"ApiGatewayUsagePlan{upper_first(name)}" if name else "ApiGatewayUsagePlan"


def usage_plan_key_id(number: int, name: str | None = None) -> str:
    if name:
        return f"ApiGatewayUsagePlanKey{upper_first(name)}{number}"
    return f"ApiGatewayUsagePlanKey{number}"


def validator_id(service: str) -> str:
    return f"ApiGateway{upper_first(_NOT_ALNUM.sub('', service))}RequestValidator"


def authorizer_name_from_arn(arn: str) -> str:
    """`...:function:auth-service-dev-externalAuth` -> `externalAuth` (last `-` segment)."""
    return arn.rsplit(":", maxsplit=1)[-1].rsplit("-", maxsplit=1)[-1]


# HTTP API (API Gateway v2)
HTTP_API = "HttpApi"
HTTP_API_STAGE = "HttpApiStage"
HTTP_API_LOG_GROUP = "HttpApiLogGroup"


def http_api_route_id(route_key: str) -> str:
    """`HttpApiRoute<normalised "METHOD /path">`; the `'*'` route is `HttpApiRouteDefault`."""
    return "HttpApiRouteDefault" if route_key == "*" else f"HttpApiRoute{normalize_path(route_key)}"


def http_api_integration_id(function: str) -> str:
    return f"HttpApiIntegration{normalized_name(function)}"


def http_api_permission_id(function: str) -> str:
    return f"{normalized_name(function)}LambdaPermissionHttpApi"


def http_api_authorizer_id(name: str) -> str:
    return f"HttpApiAuthorizer{normalized_name(name)}"


def http_api_authorizer_permission_id(name: str) -> str:
    return f"{normalized_name(name)}LambdaAuthorizerPermissionHttpApi"


# Lambda aliases (provisioned concurrency, SnapStart)
PROVISIONED_ALIAS = "provisioned"
SNAPSTART_ALIAS = "snapstart"


def provisioned_alias_id(function: str) -> str:
    return f"{normalized_name(function)}ProvConcLambdaAlias"


def snapstart_alias_id(function: str) -> str:
    return f"{normalized_name(function)}SnapStartLambdaAlias"
