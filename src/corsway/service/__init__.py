"""Loading a Serverless service: YAML with locations, `${...}` variables, schema and coercion.

`load_service(path, stage=..., region=...)` gives a `Service` whose `config` is plain data as
Serverless Framework v3 would hand it to its compiler, and whose `source_map` says where each
value was written.
"""

from __future__ import annotations

from corsway.service.service import Service, find_config, load_service

__all__ = ["Service", "find_config", "load_service"]
