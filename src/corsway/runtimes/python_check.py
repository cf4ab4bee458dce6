"""The start-up import check of Python handlers: each module imported once, as Lambda's init does.

Each distinct handler module is imported in a throwaway worker (the real bootstrap, in the
runtime's environment, with the function's Lambda variables), several at a time, each within
Lambda's init limit. A module that fails to import is a start-up note naming the function, the
missing module and the fix; its routes answer as Lambda would (the REST proxy's 502) and the
other functions serve.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import select
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from corsway.runtimes import protocol
from corsway.runtimes.base import FunctionConfig
from corsway.runtimes.launcher import lambda_environment
from corsway.runtimes.pydeps import normalise
from corsway.runtimes.pyenvs import PythonEnvironments
from corsway.runtimes.python import PythonLauncher
from corsway.runtimes.worker import spawn

IMPORT_TIMEOUT_S = 10.0  # Lambda's limit for the init phase
CHECK_PARALLELISM = max(2, os.cpu_count() or 2)
_MISSING = re.compile(r"No module named '([^']+)'")

# Import names whose distribution (what goes in requirements.txt) is named differently.
DISTRIBUTION_NAMES = {
    "yaml": "PyYAML",
    "PIL": "Pillow",
    "jwt": "PyJWT",
    "jose": "python-jose",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "bs4": "beautifulsoup4",
    "sklearn": "scikit-learn",
    "cv2": "opencv-python-headless",
    "Crypto": "pycryptodome",
    "nacl": "PyNaCl",
    "OpenSSL": "pyOpenSSL",
    "MySQLdb": "mysqlclient",
    "pymysql": "PyMySQL",
    "psycopg2": "psycopg2-binary",
    "git": "GitPython",
    "docx": "python-docx",
    "magic": "python-magic",
    "serial": "pyserial",
    "attr": "attrs",
    "google.protobuf": "protobuf",
    "aws_lambda_powertools": "aws-lambda-powertools",
    "aws_xray_sdk": "aws-xray-sdk",
    "multipart": "python-multipart",
    "jinja2": "Jinja2",
    "markdown": "Markdown",
}


@dataclass(frozen=True, slots=True)
class ImportFailure:
    """One handler module that did not import."""

    error_type: str
    message: str
    missing: str = ""  # the top-level module that was not found, if that was the cause
    timed_out: bool = False


def check_imports(
    configs: Sequence[FunctionConfig],
    environments: PythonEnvironments,
    account_id: str = "123456789012",
) -> list[str]:
    """Import every Python handler module once; a note per function whose module fails."""
    launcher = PythonLauncher(environments)
    groups: dict[tuple[object, ...], list[FunctionConfig]] = {}
    for config in configs:
        module = config.handler.rpartition(".")[0]
        key = (tuple(launcher.command(config)), config.code_dir, module, config.runtime)
        groups.setdefault(key, []).append(config)
    if not groups:
        return []
    with ThreadPoolExecutor(max_workers=min(CHECK_PARALLELISM, len(groups))) as pool:
        results = list(
            pool.map(lambda group: _import_once(group[0], launcher, account_id), groups.values())
        )
    notes = []
    for group, failure in zip(groups.values(), results, strict=True):
        if failure is not None:
            for config in group:
                notes.append(describe(config, failure, environments))
    return notes


def _import_once(
    config: FunctionConfig, launcher: PythonLauncher, account_id: str
) -> ImportFailure | None:
    """Start one worker, wait for it to load the handler, stop it; the failure if any."""
    env = {
        **os.environ,
        **lambda_environment(config, account_id),
        **launcher.environment(config),
    }
    try:
        process, request_write, response_read = spawn(
            launcher.command(config), cwd=config.code_dir, env=env, output=subprocess.DEVNULL
        )
    except OSError as error:
        return ImportFailure("Runtime.StartError", f"cannot start a worker: {error.strerror}")
    try:
        frame = _first_frame(response_read, IMPORT_TIMEOUT_S)
    finally:
        os.close(request_write)  # the worker exits when its request pipe closes
        os.close(response_read)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    if frame is None:
        return ImportFailure(
            "Runtime.InitTimeout",
            f"importing it took longer than {IMPORT_TIMEOUT_S:g} s (Lambda's init limit)",
            timed_out=True,
        )
    kind, payload = frame
    if kind == protocol.READY:
        return None
    try:
        details: Any = json.loads(payload)
    except ValueError:
        details = {}
    if not isinstance(details, dict):
        details = {}
    message = str(details.get("errorMessage") or "the worker exited while importing")
    error_type = str(details.get("errorType") or "Runtime.ExitError")
    match = _MISSING.search(message) if error_type == "Runtime.ImportModuleError" else None
    return ImportFailure(error_type, message, match.group(1).split(".")[0] if match else "")


def _first_frame(fd: int, timeout_s: float) -> tuple[int, bytes] | None:
    """The worker's first result frame (READY or INIT_ERROR); None on timeout or exit."""
    deadline = time.monotonic() + timeout_s
    buffer = b""
    size = protocol.RESULT_HEADER.size
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        readable, _, _ = select.select([fd], [], [], left)
        if not readable:
            return None
        chunk = os.read(fd, 65536)
        if not chunk:
            return (protocol.INIT_ERROR, b"") if not buffer else None
        buffer += chunk
        if len(buffer) >= size:
            kind, payload_length, trace_length = protocol.RESULT_HEADER.unpack_from(buffer)
            if len(buffer) >= size + payload_length + trace_length:
                return kind, buffer[size : size + payload_length]


def distribution_name(module: str) -> str:
    """What to write in requirements.txt to get `module`."""
    return DISTRIBUTION_NAMES.get(module, module)


def describe(config: FunctionConfig, failure: ImportFailure, envs: PythonEnvironments) -> str:
    """The start-up note for one function whose module does not import: what and the fix."""
    prefix = f"function {config.key}: handler {config.handler!r} cannot be imported"
    reason = f"{failure.error_type}: {failure.message.splitlines()[0] if failure.message else ''}"
    fix = ""
    if failure.missing:
        fix = _missing_fix(failure.missing, config, envs)
    elif failure.timed_out:
        fix = "does its top-level code wait for a network service?"
    return f"{prefix} ({reason}){': ' + fix if fix else ''}; its requests answer 502 until it does"


def _missing_fix(module: str, config: FunctionConfig, envs: PythonEnvironments) -> str:
    distribution = distribution_name(module)
    env = envs.for_runtime(config.runtime)
    if not envs.managed:
        where = env.interpreter if env else envs.user_python
        return (
            f"install {distribution} into the environment {envs.user_source} chooses "
            f"({where}: `{where} -m pip install {distribution}`)"
        )
    requirements = env.requirements if env else envs.requirements
    if requirements is not None and normalise(distribution) in requirements.names():
        return (
            f"{distribution} is in {requirements.source.name}, but does not provide the module "
            f"{module!r} for Python {env.version if env else ''} (check the package's name)"
        )
    target = requirements.source.name if requirements is not None else "requirements.txt"
    hint = f"add {distribution} to {target}"
    if requirements is None:
        hint += (
            f" in {config.code_dir} (corsway installs it, as serverless-python-requirements "
            "would package it)"
        )
    return hint


def python_functions(configs: Mapping[str, FunctionConfig]) -> list[FunctionConfig]:
    """The functions with a Python 3 runtime and a handler."""
    return [c for c in configs.values() if c.runtime.startswith("python3") and c.handler]
