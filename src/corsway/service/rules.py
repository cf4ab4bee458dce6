"""The parts of the Serverless Framework v3.40 configuration schema that corsway compiles.

Written from the framework's documented schema (types, enums, patterns); properties the
compiler does not use are listed by name only, so that they are recognized but not checked.
"""

from __future__ import annotations

from typing import Any

from corsway.service.schema import (
    AnyOf,
    AnyValue,
    Arr,
    Bool,
    Const,
    Custom,
    Issue,
    Num,
    Obj,
    Report,
    Rule,
    Str,
)
from corsway.service.sourcemap import Path

ANY = AnyValue()

RUNTIMES = [
    "dotnet6",
    "go1.x",
    "java21",
    "java17",
    "java11",
    "java8",
    "java8.al2",
    "nodejs14.x",
    "nodejs16.x",
    "nodejs18.x",
    "nodejs20.x",
    "provided",
    "provided.al2",
    "provided.al2023",
    "python3.7",
    "python3.8",
    "python3.9",
    "python3.10",
    "python3.11",
    "ruby2.7",
    "ruby3.2",
]

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

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE", "ANY")
CFN_FUNCTION_KEYS = [
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::GetAtt",
    "Ref",
    "Fn::Sub",
    "Fn::Base64",
    "Fn::ToJsonString",
]


def _cf_function(value: Any, path: Path, report: Report) -> Any:
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in CFN_FUNCTION_KEYS:
        return value
    report(Issue(path, "must be a CloudFormation function (Ref, Fn::GetAtt, Fn::Sub, ...)", "type"))
    return value


def _cf_named(*keys: str) -> Rule:
    def check(value: Any, path: Path, report: Report) -> Any:
        if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in keys:
            return value
        report(Issue(path, f"must be {' or '.join(keys)}", "type"))
        return value

    return Custom(check, " or ".join(keys))


CF_FUNCTION = Custom(_cf_function, "a CloudFormation function")
CF_INSTRUCTION = AnyOf(Str(min_length=1), CF_FUNCTION, label="a string or CloudFormation function")
CF_IF = _cf_named("Fn::If")
CF_SELECT = _cf_named("Fn::Select")
ARN = AnyOf(
    Str(pattern=r"^arn:", pattern_text="an ARN (arn:...)", pattern_kind="enum"),
    CF_FUNCTION,
    label="an ARN or CloudFormation function",
)

ARN_STRING = Str(pattern=r"^arn:", pattern_text="an ARN (arn:...)", pattern_kind="enum")
IAM_ACTION = Arr(Str())
PRINCIPAL = AnyOf(
    Const("*"),
    Obj(
        {
            "AWS": AnyOf(
                Const("*"),
                CF_IF,
                Arr(
                    AnyOf(
                        Str(pattern=r"^\d{12}$", pattern_text="an account id", pattern_kind="enum"),
                        ARN,
                    )
                ),
            ),
            "Federated": Arr(Str()),
            "Service": Arr(Str()),
            "CanonicalUser": Arr(Str()),
        }
    ),
    label="'*' or a principal object",
)
LOGICAL_ID = Str(
    pattern=r"^[#A-Za-z0-9-_./]+[*]?$", pattern_text="a logical resource id", pattern_kind="enum"
)
EXECUTE_API_ARN = Str(
    pattern=r"^execute-api:/", pattern_text="an execute-api:/ ARN", pattern_kind="enum"
)


def _statements(resource: Rule) -> Arr:
    return Arr(
        Obj(
            {
                "Sid": Str(),
                "Effect": Str(enum=("Allow", "Deny")),
                "Action": IAM_ACTION,
                "NotAction": IAM_ACTION,
                "Principal": PRINCIPAL,
                "NotPrincipal": PRINCIPAL,
                "Resource": resource,
                "NotResource": resource,
                "Condition": Obj(extra=ANY),
            },
            label="a policy statement",
        ),
        label="a list of policy statements",
    )


IAM_RESOURCE = AnyOf(
    Const("*"), ARN, LOGICAL_ID, Arr(AnyOf(Const("*"), ARN, LOGICAL_ID)), label="resources"
)
IAM_STATEMENTS = _statements(IAM_RESOURCE)
RESOURCE_POLICY_RESOURCE = AnyOf(
    Const("*"),
    ARN,
    EXECUTE_API_ARN,
    Arr(AnyOf(Const("*"), ARN, EXECUTE_API_ARN)),
    label="resources",
)
RESOURCE_POLICY_STATEMENTS = _statements(RESOURCE_POLICY_RESOURCE)

IAM = Obj(
    {
        "role": AnyOf(
            AnyOf(
                Str(min_length=1),
                _cf_named("Fn::Sub"),
                _cf_named("Fn::ImportValue"),
                _cf_named("Fn::GetAtt"),
                label="a role name, ARN or CloudFormation function",
            ),
            Obj(
                {
                    "name": Str(
                        pattern=r"^[A-Za-z0-9/_+=,.@-]{1,64}$",
                        pattern_text="a role name",
                        pattern_kind="enum",
                    ),
                    "path": Str(
                        pattern=r"(^\/$)|(^\/[!-\x7f]+\/$)",
                        pattern_text="a role path (/.../)",
                        pattern_kind="enum",
                    ),
                    "managedPolicies": Arr(ARN),
                    "statements": IAM_STATEMENTS,
                    "permissionBoundary": ARN,
                    "permissionsBoundary": ARN,
                    "tags": Obj(extra=Str(max_length=256)),
                }
            ),
            label="a role reference or a role definition",
        ),
        "deploymentRole": ARN,
    }
)

ENVIRONMENT = Obj(
    extra=AnyOf(Const(""), CF_INSTRUCTION, CF_IF, CF_SELECT, label="a string"),
    extra_pattern=r"^[A-Za-z_][a-zA-Z0-9_]*$",
    label="a mapping of environment variable names to values",
    unknown_hint="environment variable names must match [A-Za-z_][a-zA-Z0-9_]*",
)
TIMEOUT = Num(minimum=1, maximum=900)
MEMORY = Num(minimum=128, maximum=10240)
RUNTIME = Str(enum=RUNTIMES)
TAGS = Obj(extra=Str(max_length=256), label="a mapping of tag names to values")
ROLE = AnyOf(
    Str(min_length=1),
    _cf_named("Fn::Sub"),
    _cf_named("Fn::ImportValue"),
    _cf_named("Fn::GetAtt"),
    label="a role name, ARN or CloudFormation function",
)
LOG_RETENTION = Num(
    integer=False,
    enum=(
        *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 2192, 2557),
        *(2922, 3288, 3653),
    ),
)
ARCHITECTURE = Str(enum=("arm64", "x86_64"))
STRING_LIST = Arr(Str())

# ------------------------------------------------------------------------------------------
# http events

CORS = AnyOf(
    Bool(),
    Obj(
        {
            "allowCredentials": Bool(),
            "cacheControl": Str(),
            "headers": Arr(Str()),
            "maxAge": Num(minimum=1),
            "methods": Arr(
                Str(
                    enum=HTTP_METHODS,
                    enum_hint="it goes into Access-Control-Allow-Methods exactly as written, and "
                    "browsers compare methods case-sensitively",
                )
            ),
            "origin": Str(),
            "origins": Arr(Str()),
        },
        unknown_hint="http events have no such cors setting; it is an httpApi one",
        unknown_hints={
            "exposedResponseHeaders": "http (REST API) events cannot add "
            "Access-Control-Expose-Headers; the function must return that header itself",
        },
    ),
    label="true, false or a cors object",
)

AUTHORIZER = AnyOf(
    Str(),
    Obj(
        {
            "arn": ARN,
            "authorizerId": CF_INSTRUCTION,
            "claims": Arr(Str()),
            "identitySource": Str(),
            "identityValidationExpression": Str(),
            "managedExternally": Bool(),
            "name": Str(),
            "resultTtlInSeconds": Num(minimum=0, maximum=3600),
            "scopes": Arr(AnyOf(Str(), CF_FUNCTION)),
            "type": Str(
                enum=("token", "cognito_user_pools", "request", "aws_iam", "custom"),
                enum_ignore_case=True,
            ),
        }
    ),
    label="a function name, an ARN, aws_iam or an authorizer object",
)

REQUEST_PARAMETERS = Obj(
    extra=AnyOf(
        Bool(),
        Obj({"required": Bool(), "mappedValue": CF_INSTRUCTION}),
        label="true, false or {required, mappedValue}",
    )
)

CONTENT_HANDLING = Str(enum=("CONVERT_TO_BINARY", "CONVERT_TO_TEXT"))

HTTP_REQUEST = Obj(
    {
        "contentHandling": CONTENT_HANDLING,
        "method": Str(
            pattern=r"(?i)^(?:\*|GET|POST|PUT|PATCH|OPTIONS|HEAD|DELETE|ANY)$",
            pattern_text="an HTTP method",
            pattern_kind="enum",
        ),
        "parameters": Obj(
            {
                "querystrings": REQUEST_PARAMETERS,
                "headers": REQUEST_PARAMETERS,
                "paths": REQUEST_PARAMETERS,
            }
        ),
        "passThrough": Str(enum=("NEVER", "WHEN_NO_MATCH", "WHEN_NO_TEMPLATES")),
        "schemas": Obj(extra=AnyOf(Obj(extra=ANY), Str(), label="a schema object or name")),
        "template": Obj(extra=Str()),
        "uri": CF_INSTRUCTION,
    }
)

STATUS_CODE = Obj(
    {
        "headers": Obj(extra=Str()),
        "pattern": Str(),
        "template": AnyOf(Str(), Obj(extra=Str()), label="a string or a mapping of templates"),
    }
)

HTTP_RESPONSE = Obj(
    {
        "contentHandling": CONTENT_HANDLING,
        "headers": Obj(extra=Str()),
        "template": Str(),
        "statusCodes": Obj(
            extra=STATUS_CODE,
            extra_pattern=r"^\d{3}$",
            unknown_hint="status codes are three digits",
        ),
    }
)

INTEGRATIONS = [
    "LAMBDA_PROXY",
    "LAMBDA-PROXY",
    "LAMBDA",
    "AWS",
    "AWS_PROXY",
    "AWS-PROXY",
    "HTTP",
    "HTTP_PROXY",
    "HTTP-PROXY",
    "MOCK",
]

HTTP_EVENT_OBJECT = Obj(
    {
        "async": Bool(),
        "authorizer": AUTHORIZER,
        "connectionId": CF_INSTRUCTION,
        "connectionType": Str(enum=("vpc-link", "VPC_LINK"), enum_ignore_case=True),
        "cors": CORS,
        "integration": Str(enum=INTEGRATIONS, enum_ignore_case=True),
        "method": Str(
            pattern=r"(?i)^(?:\*|GET|POST|PUT|PATCH|OPTIONS|HEAD|DELETE|ANY)$",
            pattern_text=f"an HTTP method ({', '.join(HTTP_METHODS)})",
            pattern_kind="type",
        ),
        "operationId": Str(),
        "path": Str(
            pattern=r"^(?:\*|/?\S*)$",
            pattern_text="a path without whitespace",
            pattern_kind="type",
        ),
        "private": Bool(),
        "request": HTTP_REQUEST,
        "response": HTTP_RESPONSE,
    },
    required=("path", "method"),
    required_hints={
        "path": "an http event needs a path (e.g. path: items); API Gateway routes by it",
        "method": "an http event needs a method (e.g. method: get, or any)",
    },
)

HTTP_EVENT = AnyOf(
    Str(
        pattern=r"(?i)^(?:\*|(GET|POST|PUT|PATCH|OPTIONS|HEAD|DELETE|ANY) (/\S*))$",
        pattern_text="'METHOD /path' (e.g. 'GET /items')",
        pattern_kind="enum",
    ),
    HTTP_EVENT_OBJECT,
    label="'METHOD /path' or an http event object",
)


def _event(value: Any, path: Path, report: Report) -> Any:
    if not isinstance(value, dict) or len(value) != 1:
        report(
            Issue(
                path,
                "each event must be a mapping with exactly one event type (e.g. http: ...)",
                "type",
            )
        )
        return value
    kind = next(iter(value))
    if kind == "http":
        value["http"] = HTTP_EVENT.check(value["http"], (*path, "http"), report)
    return value


EVENTS = Arr(Custom(_event, "an event"), label="a list of events")

# ------------------------------------------------------------------------------------------
# functions

FUNCTION = Obj(
    {
        "name": Str(),
        "handler": Str(),
        "description": Str(max_length=256),
        "runtime": RUNTIME,
        "memorySize": MEMORY,
        "timeout": TIMEOUT,
        "environment": ENVIRONMENT,
        "role": ROLE,
        "tags": TAGS,
        "architecture": ARCHITECTURE,
        "layers": Arr(ARN),
        "condition": Str(),
        "dependsOn": Arr(Str()),
        "disableLogs": Bool(),
        "logRetentionInDays": LOG_RETENTION,
        "reservedConcurrency": AnyOf(Num(minimum=0), CF_FUNCTION, CF_IF),
        "versionFunction": Bool(),
        "vpc": ANY,
        "tracing": AnyOf(Str(enum=("Active", "PassThrough")), Bool()),
        "kmsKeyArn": ANY,
        "awsKmsKeyArn": ANY,
        "ephemeralStorageSize": Num(minimum=512, maximum=10240),
        "onError": ANY,
        "events": EVENTS,
        "package": ANY,
        "image": ANY,
        "destinations": ANY,
        "fileSystemConfig": ANY,
        "snapStart": Bool(),
        "logDataProtectionPolicy": ANY,
        "maximumEventAge": Num(minimum=60, maximum=21600),
        "maximumRetryAttempts": Num(minimum=0, maximum=2),
        "provisionedConcurrency": ANY,
        "runtimeManagement": ANY,
        "url": ANY,
        "httpApi": ANY,
    },
    label="a function definition",
)

# ------------------------------------------------------------------------------------------
# provider

USAGE_LIMITS = Obj(
    {
        "quota": Obj(
            {
                "limit": Num(minimum=0),
                "offset": Num(minimum=0),
                "period": Str(enum=("DAY", "WEEK", "MONTH")),
            }
        ),
        "throttle": Obj({"burstLimit": Num(minimum=0), "rateLimit": Num(minimum=0)}),
    }
)

API_KEY_PROPERTIES = Obj(
    {
        "name": Str(),
        "value": Str(),
        "description": Str(),
        "customerId": Str(),
        "enabled": Bool(),
    }
)

API_GATEWAY = Obj(
    {
        "apiKeys": Arr(
            AnyOf(Str(), API_KEY_PROPERTIES, Obj(extra=Arr(AnyOf(Str(), API_KEY_PROPERTIES))))
        ),
        "apiKeySourceType": Str(enum=("HEADER", "AUTHORIZER"), enum_ignore_case=True),
        "binaryMediaTypes": Arr(
            Str(
                pattern=r"^\S+/\S+$",
                pattern_text="a media type (type/subtype)",
                pattern_kind="enum",
            )
        ),
        "description": Str(),
        "disableDefaultEndpoint": Bool(),
        "metrics": Bool(),
        "minimumCompressionSize": Num(minimum=0, maximum=10485760),
        "resourcePolicy": RESOURCE_POLICY_STATEMENTS,
        "restApiId": CF_INSTRUCTION,
        "restApiResources": AnyOf(Arr(Obj({"path": Str(), "resourceId": Str()})), Obj(extra=ANY)),
        "restApiRootResourceId": CF_INSTRUCTION,
        "request": Obj({"schemas": Obj(extra=ANY)}),
        "shouldStartNameWithService": Bool(),
        "stage": Str(),
        "usagePlan": AnyOf(USAGE_LIMITS, Arr(Obj(extra=USAGE_LIMITS))),
        "websocketApiId": ANY,
        "timeoutInMillis": ANY,
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
        "region": Str(enum=REGIONS),
        "memorySize": MEMORY,
        "timeout": TIMEOUT,
        "environment": ENVIRONMENT,
        "apiName": Str(),
        "endpointType": Str(enum=("REGIONAL", "EDGE", "PRIVATE"), enum_ignore_case=True),
        "vpcEndpointIds": ANY,
        "apiGateway": API_GATEWAY,
        "deploymentBucket": ANY,
        "deploymentPrefix": Str(),
        "iam": IAM,
        "iamRoleStatements": IAM_STATEMENTS,
        "iamManagedPolicies": Arr(ARN),
        "role": ROLE,
        "rolePermissionsBoundary": ANY,
        "cfnRole": ANY,
        "logRetentionInDays": LOG_RETENTION,
        "logDataProtectionPolicy": ANY,
        "tags": TAGS,
        "stackTags": ANY,
        "versionFunctions": Bool(),
        "architecture": ARCHITECTURE,
        "layers": Arr(ARN),
        "tracing": Obj(
            {"apiGateway": Bool(), "lambda": AnyOf(Str(enum=("Active", "PassThrough")), Bool())}
        ),
        "kmsKeyArn": ANY,
        "vpc": ANY,
        "logs": ANY,
        "httpApi": ANY,
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

RESOURCE = Obj(
    {
        "Type": Str(),
        "Properties": Obj(extra=ANY),
        "CreationPolicy": Obj(extra=ANY),
        "DeletionPolicy": Str(),
        "DependsOn": AnyOf(Arr(Str()), label="a list of logical ids"),
        "Metadata": Obj(extra=ANY),
        "UpdatePolicy": Obj(extra=ANY),
        "UpdateReplacePolicy": Str(),
        "Condition": Str(),
    },
    required=("Type",),
    required_kind="enum",
)

RESOURCES = Obj(
    {
        "AWSTemplateFormatVersion": Str(),
        "Conditions": Obj(extra=ANY),
        "Description": Str(),
        "Mappings": Obj(extra=ANY),
        "Metadata": Obj(extra=ANY),
        "Outputs": Obj(extra=ANY),
        "Parameters": Obj(extra=ANY),
        "Resources": Obj(
            {"Fn::Transform": ANY},
            extra=RESOURCE,
            extra_pattern=r"^[a-zA-Z0-9]{1,255}$",
            unknown_hint="CloudFormation logical ids are alphanumeric",
        ),
        "Transform": Arr(Str()),
        "extensions": Obj(
            extra=Obj(
                {
                    "Properties": Obj(extra=ANY),
                    "CreationPolicy": Obj(extra=ANY),
                    "DeletionPolicy": Str(),
                    "DependsOn": Arr(Str()),
                    "Metadata": Obj(extra=ANY),
                    "UpdatePolicy": Obj(extra=ANY),
                    "UpdateReplacePolicy": Str(),
                    "Condition": Str(),
                }
            ),
            extra_pattern=r"^[a-zA-Z0-9]{1,255}$",
        ),
    }
)

SERVICE = Obj(
    {
        "service": Str(
            pattern=r"^[a-zA-Z][0-9a-zA-Z-]+$",
            pattern_text="a service name (a letter, then letters, digits or -)",
            pattern_kind="enum",
        ),
        "provider": PROVIDER,
        "functions": Obj(
            extra=FUNCTION,
            extra_pattern=r"^[a-zA-Z0-9-_]+$",
            unknown_hint="function names are letters, digits, - and _",
        ),
        "resources": RESOURCES,
        "custom": ANY,
        "plugins": ANY,
        "package": ANY,
        "params": Obj(extra=Obj(extra=ANY)),
        "useDotenv": Bool(),
        "configValidationMode": Str(enum=("error", "warn", "off")),
        "frameworkVersion": Str(),
        "app": ANY,
        "org": ANY,
        "console": ANY,
        "dashboard": ANY,
        "layers": ANY,
        "outputs": ANY,
        "disabledDeprecations": ANY,
        "deprecationNotificationMode": ANY,
        "projectDir": ANY,
        "variablesResolutionMode": ANY,
    },
    required=("service", "provider"),
    required_hints={
        "service": "the configuration needs a service name (e.g. service: my-api)",
        "provider": "the configuration needs a provider (e.g. provider: {name: aws, runtime: "
        "nodejs18.x})",
    },
    label="a Serverless service definition",
)
