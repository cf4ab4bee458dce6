"""Which running `corsway serve` answers a URL: discovery records, kept beside the server.

While `corsway serve` runs, it keeps one small JSON file in corsway's run directory
(`$CORSWAY_RUN_DIR`, else `$XDG_RUNTIME_DIR/corsway`, else `run/` in corsway's cache
directory), `serve-<pid>-<port>.json`: where it listens, its process id, the service directory,
the template when it serves one, the `--stage`/`--region`/`--code-dir` it was given, whether URLs
carry the stage, and each API's base path. The file goes when the server exits; a record whose
process is gone (killed with SIGKILL) is ignored and removed by the next reader. Nothing is
added to what the server answers on the wire: `corsway check` finds the service behind a URL by
its host and port here.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

RUN_DIR_ENV = "CORSWAY_RUN_DIR"
RECORD_VERSION = 1
_PREFIX = "serve-"
_WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})


@dataclass(frozen=True, slots=True)
class ServeRecord:
    """One running `corsway serve`, as it describes itself."""

    pid: int
    host: str  # the address it listens on (`--host`)
    port: int
    service_dir: str  # absolute
    template: str | None  # `--template FILE` (absolute), None: serverless.yml compiled
    stage: str | None  # `--stage` as given (None: the service's own)
    region: str | None
    stage_prefix: bool  # False under --no-stage-prefix
    code_dir: str | None
    apis: tuple[tuple[str, str], ...]  # (kind, base path), e.g. ("REST API", "/dev")
    started: float  # time.time() when it started serving

    def as_json(self) -> dict[str, Any]:
        return {"version": RECORD_VERSION, **asdict(self), "apis": [list(a) for a in self.apis]}

    @classmethod
    def from_json(cls, data: Any) -> ServeRecord | None:
        """The record in `data`, or None when it is not a record this version writes."""
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
            return None
        try:
            return cls(
                pid=int(data["pid"]),
                host=str(data["host"]),
                port=int(data["port"]),
                service_dir=str(data["service_dir"]),
                template=_optional(data.get("template")),
                stage=_optional(data.get("stage")),
                region=_optional(data.get("region")),
                stage_prefix=bool(data.get("stage_prefix", True)),
                code_dir=_optional(data.get("code_dir")),
                apis=tuple((str(kind), str(base)) for kind, base in data.get("apis") or ()),
                started=float(data.get("started", 0.0)),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def serves(self, host: str, port: int) -> bool:
        """Whether a URL with this host and port reaches this server (loopback names and
        addresses are one; a server on 0.0.0.0 or :: answers on loopback too)."""
        if port != self.port:
            return False
        wanted, listening = _bare(host), _bare(self.host)
        if wanted == listening:
            return True
        if listening in _WILDCARD_HOSTS:
            return _is_loopback(wanted)
        return _is_loopback(wanted) and _is_loopback(listening)


def _optional(value: Any) -> str | None:
    return None if value is None else str(value)


def _bare(host: str) -> str:
    return host.strip().strip("[]").lower()


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run_dir() -> Path:
    """Where the records live (created on first write, private to the user)."""
    configured = os.environ.get(RUN_DIR_ENV)
    if configured:
        return Path(configured)
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return Path(runtime) / "corsway"
    from corsway.runtimes.pyenvs import cache_root

    return cache_root() / "run"


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (signal 0 checks without sending anything)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # signal 0 is not a probe there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def write_record(record: ServeRecord, directory: Path | None = None) -> Path:
    """Write `record` atomically; returns its path."""
    folder = directory or run_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = folder / f"{_PREFIX}{record.pid}-{record.port}.json"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".serve-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(record.as_json(), stream, indent=2)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


@contextlib.contextmanager
def advertised(record: ServeRecord, directory: Path | None = None) -> Iterator[Path | None]:
    """Keep `record` on disk while the block runs (a run directory that cannot be written
    only loses discovery: yields None)."""
    try:
        path: Path | None = write_record(record, directory)
    except OSError:
        path = None
    try:
        yield path
    finally:
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()


def running_servers(directory: Path | None = None) -> list[ServeRecord]:
    """The records of servers still running, newest first (stale ones are removed)."""
    folder = directory or run_dir()
    try:
        paths = sorted(folder.glob(f"{_PREFIX}*.json"))
    except OSError:
        return []
    found: list[ServeRecord] = []
    for path in paths:
        try:
            record = ServeRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
        if record is None:
            continue
        if not pid_alive(record.pid):
            with contextlib.suppress(OSError):
                path.unlink()
            continue
        found.append(record)
    return sorted(found, key=lambda r: r.started, reverse=True)


def server_for(host: str, port: int, directory: Path | None = None) -> ServeRecord | None:
    """The running `corsway serve` that answers URLs on host:port, if there is one."""
    return next((r for r in running_servers(directory) if r.serves(host, port)), None)


def record_for(
    *,
    host: str,
    port: int,
    service_dir: Path,
    template: Path | None,
    stage: str | None,
    region: str | None,
    stage_prefix: bool,
    code_dir: Path | None,
    apis: tuple[tuple[str, str], ...],
) -> ServeRecord:
    """The record of this process serving on host:port."""
    return ServeRecord(
        pid=os.getpid(),
        host=host,
        port=port,
        service_dir=str(service_dir.resolve()),
        template=str(template.resolve()) if template is not None else None,
        stage=stage,
        region=region,
        stage_prefix=stage_prefix,
        code_dir=str(code_dir.resolve()) if code_dir is not None else None,
        apis=apis,
        started=time.time(),
    )
