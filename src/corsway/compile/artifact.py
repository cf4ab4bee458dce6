"""Where the framework would upload the code, and a stand-in for its zip's hash.

`serverless package` zips the service directory (node dev-dependencies excluded) and puts the
zip's SHA-256 into `AWS::Lambda::Version.CodeSha256` and into the version's logical id. That
zip comes out of Node's zlib and archiver, which corsway does not reproduce byte for byte, so:

* `S3Key` is exactly the framework's (`<prefix>/<service>/<stage>/<ms>-<ISO time>/<name>.zip`);
* with `package.artifact` pointing at a local zip, `CodeSha256` is that file's SHA-256, exactly
  as the framework computes it;
* otherwise `CodeSha256` is the SHA-256 of a deterministic manifest of the files the zip would hold
  (path, executable bit, content hash). It changes whenever the code changes, as the real one
  does, but it is **not** the framework's value. The version logical id is then computed from it
  with the framework's own algorithm (see `functions.version_digest`).

Skipped while hashing, besides the framework's default excludes: `node_modules/` (speed; the
framework would include the production dependencies) and the stored test expectations.
"""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

DEFAULT_EXCLUDED_DIRS = frozenset({".git", ".serverless", ".serverless_plugins", "node_modules"})
DEFAULT_EXCLUDED_FILES = frozenset(
    {
        ".gitignore",
        ".DS_Store",
        "npm-debug.log",
        "expected-template.json",
        "expected-api.json",
        "expected-stderr.txt",
        "oracle-stderr.txt",
    }
)


def artifact_directory(prefix: str, service: str, stage: str, instance_id: str) -> str:
    """`serverless/<service>/<stage>/<ms>-<ISO time>` for the ms timestamp `instance_id`."""
    millis = int(instance_id) if instance_id.isdigit() else 0
    moment = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
    iso = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"
    return f"{prefix}/{service}/{stage}/{millis}-{iso}"


def code_hash(service_dir: Path, config_name: str) -> str:
    """Base64 SHA-256 standing in for the framework's artifact hash (see the module doc)."""
    digest = hashlib.sha256()
    root = str(service_dir)
    entries: list[tuple[str, str]] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in DEFAULT_EXCLUDED_DIRS)
        for filename in filenames:
            if filename in DEFAULT_EXCLUDED_FILES or filename.startswith("yarn-"):
                continue
            full = os.path.join(directory, filename)
            relative = os.path.relpath(full, root).replace(os.sep, "/")
            if relative == config_name:
                continue
            entries.append((relative, full))
    for relative, full in sorted(entries):
        try:
            mode = os.stat(full).st_mode
            with open(full, "rb") as handle:
                content = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            continue
        executable = "755" if mode & 0o100 else "644"
        digest.update(f"{relative}\0{executable}\0{content}\n".encode())
    return base64.b64encode(digest.digest()).decode("ascii")


def artifact_hash(service_dir: Path, artifact: str) -> str | None:
    """Base64 SHA-256 of a given local artifact (the framework's value), or None if unreadable."""
    if "://" in artifact:
        return None
    target = service_dir / artifact
    try:
        with open(target, "rb") as handle:
            digest = hashlib.sha256(handle.read()).digest()
    except OSError:
        return None
    return base64.b64encode(digest).decode("ascii")
