"""How API Gateway (REST and HTTP APIs alike) invokes a Lambda function in the template: the
integration/authorizer URI and the `AWS::Lambda::Permission` that lets it call the function.

Each call builds new dicts: `_.merge` of a user's `resources` changes the template in place, so
no two resources may share an object.
"""

from __future__ import annotations

from typing import Any


def lambda_uri(arn: Any) -> dict[str, Any]:
    """`arn:<partition>:apigateway:<region>:lambda:path/2015-03-31/functions/<arn>/invocations`."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":apigateway:",
                {"Ref": "AWS::Region"},
                ":lambda:path/2015-03-31/functions/",
                arn,
                "/invocations",
            ],
        ]
    }


def execute_api_arn(api_id: Any, suffix: str) -> dict[str, Any]:
    """`arn:<partition>:execute-api:<region>:<account>:<api id><suffix>` (`/*/*`: every stage
    and method of a REST API; `/*`: every route of an HTTP API)."""
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":execute-api:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":",
                api_id,
                suffix,
            ],
        ]
    }


def invoke_permission(function_name: Any, source_arn: dict[str, Any]) -> dict[str, Any]:
    """The `AWS::Lambda::Permission` letting API Gateway invoke `function_name` (callers add
    `DependsOn` after `Properties`, where the framework puts it)."""
    return {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "FunctionName": function_name,
            "Action": "lambda:InvokeFunction",
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": source_arn,
        },
    }
