"""How a function's worker process is started: the launcher protocol and Lambda's variables.

A `WorkerLauncher` (one per language: `runtimes/python.py`, `runtimes/node.py`) gives the argv
and the language's own variables; `lambda_environment` gives the variables Lambda sets in every
execution environment. The pool starts workers with both.
"""

from __future__ import annotations

import os
import time
from typing import Protocol

from corsway.runtimes.base import FunctionConfig


class WorkerLauncher(Protocol):
    """How to start one worker process for a function (one per language)."""

    def command(self, config: FunctionConfig) -> list[str]:
        """The argv of a worker process."""
        ...

    def environment(self, config: FunctionConfig) -> dict[str, str]:
        """Variables added to the worker's environment (on top of Lambda's and the function's)."""
        ...


def lambda_environment(config: FunctionConfig, account_id: str) -> dict[str, str]:
    """The variables Lambda sets in every execution environment, plus the function's own."""
    stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[$LATEST]{os.urandom(16).hex()}"
    env = {
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": stream,
        "AWS_REGION": config.region,
        "AWS_DEFAULT_REGION": config.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{config.runtime}",
        "LAMBDA_TASK_ROOT": str(config.code_dir.resolve()),
        "_HANDLER": config.handler,
        "TZ": ":UTC",
        "CORSWAY_FUNCTION_ARN": (
            f"arn:aws:lambda:{config.region}:{account_id}:function:{config.name}"
        ),
    }
    env.update(config.environment)
    return env
