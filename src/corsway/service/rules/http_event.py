"""`http` events: REST API endpoints (path, method, cors, authorizer, request, response).

The `cors` rule here is the REST API one (`http` events); `httpApi` has its own settings.
"""

from __future__ import annotations

from corsway.service.rules.common import ANY, ARN, CF_FUNCTION, CF_INSTRUCTION
from corsway.service.schema import AnyOf, Arr, Bool, Num, Obj, Str

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE", "ANY")

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
