"""What every rule reads: the loaded service, its compiled template, its `http` events."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from corsway.compile.apigateway.events import HttpEvent, Preflight, read_http_events
from corsway.compile.context import CompileContext
from corsway.errors import SourceLocation
from corsway.lint.handlers import HandlerFacts, analyze_handler
from corsway.lint.model import Finding, Fix
from corsway.service import Service
from corsway.service.sourcemap import Path


@dataclass
class LintContext:
    """One lint run over one service: the facts rules share, computed once."""

    service: Service
    template: dict[str, Any]
    events: list[HttpEvent] = field(default_factory=list)
    preflights: dict[str, Preflight] = field(default_factory=dict)
    _handlers: dict[str, HandlerFacts | None] = field(default_factory=dict)

    @classmethod
    def build(cls, service: Service, template: dict[str, Any]) -> LintContext:
        """The context of `service` compiled to `template`.

        The http events are read again the way the compiler reads them, on a copy of the
        service whose warnings are thrown away (the compile already reported them).
        """
        scratch = dataclasses.replace(service, warnings=[])
        events, preflights = read_http_events(CompileContext(scratch))
        return cls(service, template, events, preflights)

    # --- places -------------------------------------------------------------------------

    def at(self, path: Path, *, at_key: bool = False) -> SourceLocation:
        """Where the value (or the key) at `path` was written."""
        return self.service.where_key(path) if at_key else self.service.where(path)

    def finding(
        self, rule: str, message: str, path: Path, *, at_key: bool = False, fix: Fix | None = None
    ) -> Finding:
        return Finding(rule, message, self.at(path, at_key=at_key), fix)

    def written_here(self, path: Path) -> bool:
        """Whether the value at `path` was written in serverless.yml itself (fixable there)."""
        return self.at(path).file == self.service.config_path.name and self.service.source_map.has(
            path
        )

    # --- the template -------------------------------------------------------------------

    def resources(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """(logical id, Properties) of every template resource of type `kind`."""
        for logical_id, resource in (self.template.get("Resources") or {}).items():
            if isinstance(resource, dict) and resource.get("Type") == kind:
                properties = resource.get("Properties")
                yield logical_id, properties if isinstance(properties, dict) else {}

    def user_resource_path(self, logical_id: str) -> Path | None:
        """The config path of a resource written under `resources.Resources`, if it is one."""
        resources = self.service.config.get("resources")
        user = resources.get("Resources") if isinstance(resources, dict) else None
        if isinstance(user, dict) and logical_id in user:
            return ("resources", "Resources", logical_id)
        return None

    # --- handlers -----------------------------------------------------------------------

    def handler(self, function_key: str) -> HandlerFacts | None:
        """What the function's handler source shows (None: not found or not readable)."""
        if function_key not in self._handlers:
            function = self.service.functions.get(function_key) or {}
            handler = function.get("handler")
            runtime = function.get("runtime") or self.service.provider.get("runtime")
            self._handlers[function_key] = (
                analyze_handler(self.service.service_dir, handler, runtime)
                if isinstance(handler, str)
                else None
            )
        return self._handlers[function_key]
