"""One entry of `functions`: a Lambda function's settings and its events."""

from __future__ import annotations

from corsway.service.rules.common import (
    ANY,
    ARCHITECTURE,
    ARN,
    CF_FUNCTION,
    CF_IF,
    ENVIRONMENT,
    LOG_RETENTION,
    MEMORY,
    ROLE,
    RUNTIME,
    TAGS,
    TIMEOUT,
)
from corsway.service.rules.events import EVENTS
from corsway.service.rules.httpapi_event import FUNCTION_HTTP_API
from corsway.service.schema import AnyOf, Arr, Bool, Num, Obj, Str

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
        "httpApi": FUNCTION_HTTP_API,
    },
    label="a function definition",
)
