"""The Serverless v3 oracle cases under tests/fixtures/sls3 and how to compare with them.

Each case holds serverless.yml, expected-template.json (the real framework's whole template,
normalised by the oracle script) and expected-api.json (its API subset); case.json may add
environment variables ("env"). What cannot match byte for byte is documented here:

* `ApiGatewayDeployment<ms>` and the artifact S3Key folder carry the compile's timestamp: both
  sides are normalised (`TIMESTAMP`), as the oracle script does.
* `AWS::Lambda::Version.CodeSha256` is the SHA-256 of the framework's zip, which comes out of
  Node's zlib; corsway puts a hash of the packaged files there instead, so CodeSha256 and the
  version logical ids that embed it (`<Fn>LambdaVersion<hash>`) are masked in one whole-template
  comparison; another feeds corsway the oracle's CodeSha256 and then requires byte identity.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

CASES_DIR = Path(__file__).parent.parent / "fixtures" / "sls3"
CASES = sorted(p.name for p in CASES_DIR.iterdir() if (p / "serverless.yml").is_file())
# `${sls:instanceId}` shows up verbatim in this output of the variables case
INSTANCE_ID_OUTPUT = "InstanceIdIsDeployment"

_DEPLOYMENT = re.compile(r"ApiGatewayDeployment\d{13}")
_ARTIFACT_DIR = re.compile(r"/\d{13}-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/")
_VERSION_ID = re.compile(r"LambdaVersion[A-Za-z0-9]+")
_CODE_SHA = re.compile(r'"CodeSha256": "[^"]*"')


# The 12 cases of the shared HTTP API oracle (../shared/sls3-httpapi), stored as httpapi-<name>.
SHARED_HTTP_API_CASES = (
    "aws-iam",
    "catch-all",
    "cors-object-full",
    "cors-object-partial",
    "cors-true",
    "jwt-authorizer",
    "lambda-authorizer",
    "mixed-http-httpapi",
    "no-cors-logs",
    "path-params",
    "payload-versions",
    "resources-overrides",
)


def case_dir(name: str) -> Path:
    return CASES_DIR / name


def http_api_case(name: str) -> Path:
    """The folder of one of the shared HTTP API oracle cases (`cors-true`, ...)."""
    return CASES_DIR / f"httpapi-{name}"


def case_env(name: str) -> dict[str, str]:
    settings = case_dir(name) / "case.json"
    if not settings.is_file():
        return {}
    return {k: str(v) for k, v in json.loads(settings.read_text()).get("env", {}).items()}


def expected_text(name: str, which: str) -> str:
    return (case_dir(name) / f"expected-{which}.json").read_text().rstrip("\n")


def expected_instance_id(name: str) -> str:
    """The oracle run's instance id when the case exposes it, else any fixed one."""
    template = json.loads(expected_text(name, "template"))
    output: Any = template.get("Outputs", {}).get(INSTANCE_ID_OUTPUT)
    return str(output["Value"]) if output else "1700000000000"


def normalize(text: str) -> str:
    """The oracle's --normalize: timestamps in the deployment id and the artifact path."""
    return _ARTIFACT_DIR.sub("/TIMESTAMP/", _DEPLOYMENT.sub("ApiGatewayDeploymentTIMESTAMP", text))


def mask_code_hash(text: str) -> str:
    """Hide what depends on the zip's bytes (see the module docstring)."""
    masked = _VERSION_ID.sub("LambdaVersion<hash>", text)
    return _CODE_SHA.sub('"CodeSha256": "<zip sha256>"', masked)
