"""The seed's custom-authorizer example in Python: a TOKEN authorizer and a protected handler."""

import json


def authorize(event, context):
    """Allow the token `Bearer valid-token`; refuse any other ("Unauthorized": a 401)."""
    if event["authorizationToken"] != "Bearer valid-token":
        raise Exception("Unauthorized")
    return {
        "principalId": "user-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
            ],
        },
    }


def get_profile(event, context):
    """The handler's answers carry CORS headers, as the seed tells you to do."""
    return {
        "statusCode": 200,
        "headers": {"Access-Control-Allow-Origin": "*"},
        "body": json.dumps({"user": event["requestContext"]["authorizer"]["principalId"]}),
    }
