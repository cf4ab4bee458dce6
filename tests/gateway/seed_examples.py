"""Shared by the tests of examples/seed-node and examples/seed-python: serving them, and the
seed's texts as published (to show what corsway does with them unmodified)."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from corsway.compile import compile_service
from tests.gateway.support import FIXTURES, RunningGateway, running_gateway

EXAMPLES = FIXTURES.parent.parent / "examples"
TLDR = EXAMPLES / "seed-node" / "tldr"
MIDDY = EXAMPLES / "seed-node" / "middy"
CREDENTIALS = EXAMPLES / "seed-node" / "credentials"
SEED_PYTHON = EXAMPLES / "seed-python"

# examples/seed-node/tldr/handler.js is the post's text followed by corsway's stubs.
STUBS_MARKER = "\n// --- added by corsway (not in the post)"
# sha256 of the post's TL;DR handler.js (the code block, de-indented), to prove it is verbatim.
PUBLISHED_TLDR_SHA256 = "6be3b32c192be6af17eb27f11fd42659458e4333765a61fa4450da02a7fe1566"

# The post's "CORS with Cookie credentials" handler exactly as published: it does not parse.
PUBLISHED_CREDENTIALS_HANDLER = """\
// handler.js

'use strict';

const ALLOWED_ORIGINS = [
\t'https://myfirstorigin.com',
\t'https://mysecondorigin.com'
];

module.exports.getProduct = (event, context, callback) => {

  const origin = event.headers.origin;
  let headers;

  if (ALLOWED_ORIGINS.includes(origin) {
    headers: {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': true,
    },
  } else {
      headers: {
      'Access-Control-Allow-Origin': '*',
    },
  }

  // Do work to retrieve Product
  const product = retrieveProduct(event);

  const response = {
    statusCode: 200,
    headers
    body: JSON.stringify({
      product: product
    }),
  };

  callback(null, response);
};
"""
PUBLISHED_CREDENTIALS_SHA256 = "bea40be193ea455e93c4e3edb43796aa01d5e91fe80628c4c9dc0b760c8cceb6"

requires_middy = pytest.mark.skipif(
    not (MIDDY / "node_modules" / "middy" / "package.json").exists(),
    reason="examples/seed-node/middy/node_modules is not installed (`make examples` needs npm)",
)


def published_tldr_handler() -> str:
    """The part of tldr/handler.js above corsway's stubs: the post's text, checked by hash."""
    published = (TLDR / "handler.js").read_text().split(STUBS_MARKER)[0]
    assert hashlib.sha256(published.encode()).hexdigest() == PUBLISHED_TLDR_SHA256
    return published


def published_copy(example: Path, directory: Path, handler_text: str) -> Path:
    """A copy of `example` in `directory` whose handler.js is `handler_text`."""
    copy = directory / example.name
    shutil.copytree(example, copy, ignore=shutil.ignore_patterns("node_modules"))
    (copy / "handler.js").write_text(handler_text)
    return copy


@contextmanager
def serve_example(service: Path) -> Iterator[RunningGateway]:
    """Compile `service`'s serverless.yml and serve it on loopback."""
    result = compile_service(service, stage="dev", region="us-east-1")
    with running_gateway(result.template, service, function_keys=result.function_keys) as gateway:
        yield gateway
