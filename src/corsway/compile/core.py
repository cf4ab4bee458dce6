"""The core template (deployment bucket, its policy) and the Lambda execution role + log groups."""

from __future__ import annotations

from typing import Any

from corsway.compile import naming
from corsway.compile.context import CompileContext
from corsway.service.jsvalues import as_dict

_PARTITION = {"Ref": "AWS::Partition"}


def deployment_bucket_settings(ctx: CompileContext) -> tuple[str | None, dict[str, Any]]:
    """(user bucket name or None, the object form's settings)."""
    bucket = ctx.provider.get("deploymentBucket")
    if isinstance(bucket, str) and bucket:
        return bucket, {}
    if isinstance(bucket, dict):
        name = bucket.get("name")
        return (name if isinstance(name, str) and name else None), bucket
    return None, {}


def compile_core(ctx: CompileContext) -> None:
    """The template every service starts from, as `package:initialize` writes it."""
    bucket_ref = {"Ref": naming.DEPLOYMENT_BUCKET}
    ctx.template.update(
        {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": "The AWS CloudFormation template for this Serverless application",
            "Resources": {
                naming.DEPLOYMENT_BUCKET: {
                    "Type": "AWS::S3::Bucket",
                    "Properties": {
                        "BucketEncryption": {
                            "ServerSideEncryptionConfiguration": [
                                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                            ]
                        }
                    },
                },
                naming.DEPLOYMENT_BUCKET_POLICY: {
                    "Type": "AWS::S3::BucketPolicy",
                    "Properties": {
                        "Bucket": bucket_ref,
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Action": "s3:*",
                                    "Effect": "Deny",
                                    "Principal": "*",
                                    "Resource": [
                                        {
                                            "Fn::Join": [
                                                "",
                                                ["arn:", _PARTITION, ":s3:::", bucket_ref, "/*"],
                                            ]
                                        },
                                        {
                                            "Fn::Join": [
                                                "",
                                                ["arn:", _PARTITION, ":s3:::", bucket_ref],
                                            ]
                                        },
                                    ],
                                    "Condition": {"Bool": {"aws:SecureTransport": False}},
                                }
                            ]
                        },
                    },
                },
            },
            "Outputs": {"ServerlessDeploymentBucketName": {"Value": bucket_ref}},
        }
    )
    name, settings = deployment_bucket_settings(ctx)
    bucket_props = ctx.resources[naming.DEPLOYMENT_BUCKET]["Properties"]
    if settings:
        tags = settings.get("tags")
        if isinstance(tags, dict) and tags:
            bucket_props["Tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]
        if settings.get("blockPublicAccess"):
            bucket_props["PublicAccessBlockConfiguration"] = {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            }
        if settings.get("versioning"):
            bucket_props["VersioningConfiguration"] = {"Status": "Enabled"}
        if settings.get("skipPolicySetup"):
            del ctx.resources[naming.DEPLOYMENT_BUCKET_POLICY]
    if name:
        ctx.outputs["ServerlessDeploymentBucketName"]["Value"] = name
        ctx.resources.pop(naming.DEPLOYMENT_BUCKET, None)
        ctx.resources.pop(naming.DEPLOYMENT_BUCKET_POLICY, None)


def _is_existing_role(role: Any) -> bool:
    return isinstance(role, str) or (isinstance(role, dict) and any("::" in key for key in role))


def custom_execution_role(ctx: CompileContext, function: dict[str, Any]) -> Any:
    """The role a function runs with when it is not the generated IamRoleLambdaExecution."""
    if function.get("role"):
        return function["role"]
    iam = ctx.provider.get("iam")
    role = iam.get("role") if isinstance(iam, dict) else None
    if _is_existing_role(role):
        return role
    return ctx.provider.get("role")


def function_name(ctx: CompileContext, key: str) -> str:
    """The deployed name: `name:` or `<service>-<stage>-<key>`."""
    function = ctx.service.functions[key]
    name = function.get("name")
    return name if isinstance(name, str) and name else f"{ctx.service_name}-{ctx.stage}-{key}"


def compile_iam(ctx: CompileContext) -> None:
    """Log groups for every function, then the shared execution role (`mergeIamTemplates`)."""
    functions = ctx.service.functions
    if not functions:
        return
    provider = ctx.provider
    for key, function in functions.items():
        if function.get("disableLogs"):
            continue
        properties: dict[str, Any] = {"LogGroupName": f"/aws/lambda/{function_name(ctx, key)}"}
        retention = function.get("logRetentionInDays") or provider.get("logRetentionInDays")
        if retention:
            properties["RetentionInDays"] = retention
        protection = function.get("logDataProtectionPolicy") or provider.get(
            "logDataProtectionPolicy"
        )
        if protection:
            properties["DataProtectionPolicy"] = protection
        ctx.merge_resource(
            naming.log_group_id(key), {"Type": "AWS::Logs::LogGroup", "Properties": properties}
        )

    iam = as_dict(provider.get("iam"))
    role_config = as_dict(iam.get("role"))
    if _is_existing_role(iam.get("role")) or "role" in provider:
        return
    if all("role" in function for function in functions.values()):
        return

    statements: list[Any] = [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"],
            "Resource": [],
        },
        {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": []},
    ]
    properties = {
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["lambda.amazonaws.com"]},
                    "Action": ["sts:AssumeRole"],
                }
            ],
        },
        "Policies": [
            {
                "PolicyName": {"Fn::Join": ["-", [ctx.service_name, ctx.stage, "lambda"]]},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
            }
        ],
        "Path": role_config.get("path") or "/",
        "RoleName": role_config.get("name")
        or {"Fn::Join": ["-", [ctx.service_name, ctx.stage, {"Ref": "AWS::Region"}, "lambdaRole"]]},
    }
    tags = role_config.get("tags")
    if tags:
        properties["Tags"] = [{"Key": key, "Value": value} for key, value in tags.items()]
    boundary = (
        role_config.get("permissionsBoundary")
        or role_config.get("permissionBoundary")
        or provider.get("rolePermissionsBoundary")
    )
    if boundary:
        properties["PermissionsBoundary"] = boundary
    ctx.merge_resource(naming.ROLE, {"Type": "AWS::IAM::Role", "Properties": properties})
    statements = ctx.resources[naming.ROLE]["Properties"]["Policies"][0]["PolicyDocument"][
        "Statement"
    ]

    prefix = f"{ctx.service_name}-{ctx.stage}"
    log_arn = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
    canonical = False
    disabled_canonical: list[str] = []
    for key, function in functions.items():
        name = function_name(ctx, key)
        if name.startswith(prefix):
            if function.get("disableLogs"):
                disabled_canonical.append(name)
            else:
                canonical = True
            continue
        if not function.get("disableLogs"):
            statements[0]["Resource"].append({"Fn::Sub": f"{log_arn}/aws/lambda/{name}:*"})
            statements[1]["Resource"].append({"Fn::Sub": f"{log_arn}/aws/lambda/{name}:*:*"})
    if canonical:
        statements[0]["Resource"].append({"Fn::Sub": f"{log_arn}/aws/lambda/{prefix}*:*"})
        statements[1]["Resource"].append({"Fn::Sub": f"{log_arn}/aws/lambda/{prefix}*:*:*"})
        if disabled_canonical:
            statements.append(
                {
                    "Effect": "Deny",
                    "Action": "logs:PutLogEvents",
                    "Resource": [
                        {"Fn::Sub": f"{log_arn}/aws/lambda/{name}:*"} for name in disabled_canonical
                    ],
                }
            )
    custom = role_config.get("statements") or provider.get("iamRoleStatements")
    if isinstance(custom, list):
        statements.extend(custom)
    managed = role_config.get("managedPolicies") or provider.get("iamManagedPolicies")
    role_props = ctx.resources[naming.ROLE]["Properties"]
    if isinstance(managed, list) and managed:
        role_props.setdefault("ManagedPolicyArns", []).extend(managed)
    if provider.get("vpc") or any("vpc" in function for function in functions.values()):
        role_props.setdefault("ManagedPolicyArns", []).append(
            {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        _PARTITION,
                        ":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
                    ],
                ]
            }
        )
