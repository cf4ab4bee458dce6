"""Compile a Serverless service to the CloudFormation template Serverless Framework v3.40 emits.

from corsway.compile import compile_service, CompiledService
result = compile_service("path/to/service", stage="dev", region="us-east-1")
result.template       # the full template (plain data), in the framework's key order
result.warnings       # quirks reproduced, things left out (corsway.errors.Diagnostic)
result.function_keys  # Lambda logical id -> function key in serverless.yml
"""

from __future__ import annotations

from corsway.compile.pipeline import CompiledService, api_subset, compile_loaded, compile_service

__all__ = ["CompiledService", "api_subset", "compile_loaded", "compile_service"]
