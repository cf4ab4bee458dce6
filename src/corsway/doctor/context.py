"""`CompiledServiceContext`: the `ServiceContext` of a real service, read when first needed.

`corsway check` builds one from `--service DIR`, or from the discovery record of the
`corsway serve` that answers the URL (`gateway.discovery`); the pytest plugin from the service it
serves. The service is read and compiled only when a fetch is blocked (an allowed fetch needs no
cause), once. A service that cannot be read leaves the causes to the answers alone and says why
(`problem`), unless it was asked for explicitly (`load()` raises then).
"""

from __future__ import annotations

from corsway.doctor.causes import Diagnosis, with_cause
from corsway.doctor.result import Failure, Fix, WireRequest
from corsway.doctor.service import ServiceFacts, ServiceSource, load_facts
from corsway.errors import CorswayError


class CompiledServiceContext:
    """Causes refined, and fixes placed, from the compiled service behind the URL."""

    def __init__(self, source: ServiceSource) -> None:
        self.source = source
        self.problem: str | None = None  # why the service did not explain the cause
        self._facts: ServiceFacts | None = None
        self._fixes: dict[tuple[WireRequest | None, Failure], Fix | None] = {}

    @property
    def label(self) -> str:
        return self.source.label

    def load(self) -> ServiceFacts:
        """Read and compile the service now; CorswayError when it cannot be."""
        if self._facts is None:
            self._facts = load_facts(self.source)
        return self._facts

    def facts(self) -> ServiceFacts | None:
        """The service, or None (with `problem` set) when it cannot be read."""
        if self._facts is None and self.problem is None:
            try:
                self.load()
            except CorswayError as error:
                where = f"{error.location}: " if error.location else ""
                self.problem = f"the service could not be read: {where}{error.message}"
            except Exception as error:  # a bug in corsway: say so, keep the verdict
                self.problem = (
                    f"corsway could not read the service ({type(error).__name__}: {error})"
                )
        return self._facts

    def refine(self, diagnosis: Diagnosis) -> Diagnosis:
        """The cause as the service explains it (e.g. route-not-found for a path it lacks)."""
        facts = self.facts()
        request = diagnosis.request
        if facts is None or request is None:
            return diagnosis
        from corsway.doctor.causes_http import explain_http
        from corsway.doctor.causes_rest import explain_rest

        kind = facts.api_kind(request.url)
        explained = {"rest": explain_rest, "http": explain_http}.get(kind or "")
        if explained is None:
            return diagnosis
        try:
            cause, fix = explained(facts, diagnosis)
        except Exception as error:  # a bug in corsway: the generic cause and fix, and why
            self.problem = f"corsway could not place the fix ({type(error).__name__}: {error})"
            return diagnosis
        self._fixes[(request, diagnosis.failure)] = fix
        return with_cause(diagnosis, cause)

    def fix(self, diagnosis: Diagnosis) -> Fix | None:
        """The fix placed on a line (None: the generic text of the cause)."""
        return self._fixes.get((diagnosis.request, diagnosis.failure))
