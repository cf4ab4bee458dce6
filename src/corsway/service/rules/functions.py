"""One entry of `functions`: a Lambda function's settings and its events."""

from __future__ import annotations

from corsway.service.rules.common import (
    ANY,
    ARCHITECTURE,
    CF_FUNCTION,
    CF_IF,
    DESCRIPTION,
    ENVIRONMENT,
    LENIENT_ARN,
    LOG_RETENTION,
    MEMORY,
    ROLE,
    RUNTIME,
    TAGS,
    TIMEOUT,
)
from corsway.service.rules.events import EVENTS
from corsway.service.rules.httpapi_event import FUNCTION_HTTP_API
from corsway.service.schema import AnyOf, Arr, Bool, Lenient, Num, Obj, Str

FUNCTION = Obj(
    {
        "name": Lenient(Str()),
        "handler": Lenient(Str()),
        "description": DESCRIPTION,
        "runtime": RUNTIME,
        "memorySize": MEMORY,
        "timeout": TIMEOUT,
        "environment": ENVIRONMENT,
        "role": ROLE,
        "tags": TAGS,
        "architecture": ARCHITECTURE,
        "layers": Arr(LENIENT_ARN),
        "condition": Lenient(Str()),
        "dependsOn": Arr(Lenient(Str())),
        "disableLogs": Lenient(Bool()),
        "logRetentionInDays": LOG_RETENTION,
        "reservedConcurrency": Lenient(AnyOf(Num(minimum=0), CF_FUNCTION, CF_IF)),
        "versionFunction": Lenient(Bool()),
        "vpc": ANY,
        "tracing": Lenient(AnyOf(Str(enum=("Active", "PassThrough")), Bool())),
        "kmsKeyArn": ANY,
        "awsKmsKeyArn": ANY,
        "ephemeralStorageSize": Lenient(Num(minimum=512, maximum=10240)),
        "onError": ANY,
        "events": EVENTS,
        "package": ANY,
        "image": ANY,
        "destinations": ANY,
        "fileSystemConfig": ANY,
        "snapStart": Lenient(Bool()),
        "logDataProtectionPolicy": ANY,
        "maximumEventAge": Lenient(Num(minimum=60, maximum=21600)),
        "maximumRetryAttempts": Lenient(Num(minimum=0, maximum=2)),
        "provisionedConcurrency": Lenient(AnyOf(Num(minimum=0), CF_FUNCTION, CF_IF)),
        "runtimeManagement": ANY,
        "url": ANY,
        "httpApi": FUNCTION_HTTP_API,
    },
    label="a function definition",
)
