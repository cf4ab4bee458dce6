"""`provider`: the service-wide settings (region, stage, IAM, `apiGateway` for the REST API,
`httpApi` for the HTTP API, `logs`)."""

from __future__ import annotations

from corsway.service.rules.common import (
    ANY,
    ARCHITECTURE,
    CF_INSTRUCTION,
    ENVIRONMENT,
    LENIENT_ARN,
    LOG_RETENTION,
    MEMORY,
    ROLE,
    RUNTIME,
    TAGS,
    TIMEOUT,
)
from corsway.service.rules.httpapi_event import LOGS_HTTP_API, PROVIDER_HTTP_API
from corsway.service.rules.iam import IAM, IAM_STATEMENTS, RESOURCE_POLICY_STATEMENTS
from corsway.service.schema import AnyOf, Arr, Bool, Lenient, Num, Obj, Str

REGIONS = [
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-iso-east-1",
    "us-iso-west-1",
    "us-isob-east-1",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ca-central-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
]

USAGE_LIMITS = Obj(
    {
        "quota": Obj(
            {
                "limit": Lenient(Num(minimum=0)),
                "offset": Lenient(Num(minimum=0)),
                "period": Lenient(Str(enum=("DAY", "WEEK", "MONTH"))),
            }
        ),
        "throttle": Obj(
            {"burstLimit": Lenient(Num(minimum=0)), "rateLimit": Lenient(Num(minimum=0))}
        ),
    }
)

API_KEY_PROPERTIES = Obj(
    {
        "name": Str(),
        "value": Lenient(Str()),
        "description": Lenient(Str()),
        "customerId": Lenient(Str()),
        "enabled": Lenient(Bool()),
    }
)

API_GATEWAY = Obj(
    {
        "apiKeys": Arr(
            AnyOf(Str(), API_KEY_PROPERTIES, Obj(extra=Arr(AnyOf(Str(), API_KEY_PROPERTIES))))
        ),
        "apiKeySourceType": Str(enum=("HEADER", "AUTHORIZER"), enum_ignore_case=True),
        "binaryMediaTypes": Arr(
            Lenient(
                Str(
                    pattern=r"^\S+/\S+$",
                    pattern_text="a media type (type/subtype)",
                    pattern_kind="enum",
                )
            )
        ),
        "description": Lenient(Str()),
        "disableDefaultEndpoint": Lenient(Bool()),
        "metrics": Lenient(Bool()),
        "minimumCompressionSize": Lenient(Num(minimum=0, maximum=10485760)),
        "resourcePolicy": RESOURCE_POLICY_STATEMENTS,
        "restApiId": CF_INSTRUCTION,
        "restApiResources": AnyOf(Arr(Obj({"path": Str(), "resourceId": Str()})), Obj(extra=ANY)),
        "restApiRootResourceId": CF_INSTRUCTION,
        "request": Obj({"schemas": Obj(extra=ANY)}),
        "shouldStartNameWithService": Lenient(Bool()),
        "stage": Lenient(Str()),
        "usagePlan": AnyOf(USAGE_LIMITS, Arr(Obj(extra=USAGE_LIMITS))),
        "websocketApiId": ANY,
    }
)

PROVIDER = Obj(
    {
        "name": Str(),
        "runtime": RUNTIME,
        "stage": Str(
            pattern=r"^[a-zA-Z0-9-]+$",
            pattern_text="a stage name ([a-zA-Z0-9-]+)",
            pattern_kind="enum",
        ),
        "region": Lenient(Str(enum=REGIONS)),
        "memorySize": MEMORY,
        "timeout": TIMEOUT,
        "environment": ENVIRONMENT,
        "apiName": Lenient(Str()),
        "endpointType": Str(enum=("REGIONAL", "EDGE", "PRIVATE"), enum_ignore_case=True),
        "vpcEndpointIds": ANY,
        "apiGateway": API_GATEWAY,
        "deploymentBucket": ANY,
        "deploymentPrefix": Lenient(Str()),
        "iam": IAM,
        "iamRoleStatements": IAM_STATEMENTS,
        "iamManagedPolicies": Arr(LENIENT_ARN),
        "role": ROLE,
        "rolePermissionsBoundary": ANY,
        "cfnRole": ANY,
        "logRetentionInDays": LOG_RETENTION,
        "logDataProtectionPolicy": ANY,
        "tags": TAGS,
        "stackTags": ANY,
        "versionFunctions": Lenient(Bool()),
        "architecture": ARCHITECTURE,
        "layers": Arr(LENIENT_ARN),
        "tracing": Lenient(
            Obj(
                {
                    "apiGateway": Bool(),
                    "lambda": AnyOf(Str(enum=("Active", "PassThrough")), Bool()),
                }
            )
        ),
        "kmsKeyArn": ANY,
        "vpc": ANY,
        "logs": Lenient(Obj({"httpApi": LOGS_HTTP_API}, extra=ANY, label="an object")),
        "httpApi": PROVIDER_HTTP_API,
        "alb": ANY,
        "cloudFront": ANY,
        "disableRollback": ANY,
        "eventBridge": ANY,
        "ecr": ANY,
        "lambdaHashingVersion": ANY,
        "notificationArns": ANY,
        "profile": ANY,
        "rollbackConfiguration": ANY,
        "runtimeManagement": ANY,
        "deploymentMethod": ANY,
        "s3": ANY,
        "stackName": ANY,
        "stackParameters": ANY,
        "stackPolicy": ANY,
        "websocket": ANY,
        "websocketsApiName": ANY,
        "kinesis": ANY,
        "websocketsApiRouteSelectionExpression": ANY,
        "websocketsDescription": ANY,
    },
    required=("name",),
    required_hints={"name": "the provider needs a name (name: aws)"},
    label="a provider definition",
)
