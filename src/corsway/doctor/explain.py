"""The cause and the fix of a fetch's outcome: `diagnose()` + the context's or the generic fix."""

from __future__ import annotations

from corsway.doctor.causes import ServiceContext, diagnose
from corsway.doctor.fixes import generic_fix
from corsway.doctor.result import FetchOutcome, Fix


def explain(
    outcome: FetchOutcome, context: ServiceContext | None = None
) -> tuple[str | None, Fix | None]:
    """(cause id, fix) of a blocked fetch; (None, None) when the browser allowed it.

    With a `context` (the compiled service behind the URL), the context may refine the cause
    and place the fix on a serverless.yml line; otherwise the fix is generic.
    """
    if outcome.failure is None:
        return None, None
    diagnosis = diagnose(outcome)
    if context is not None:
        diagnosis = context.refine(diagnosis)
        placed = context.fix(diagnosis)
        if placed is not None:
            return diagnosis.cause, placed
    return diagnosis.cause, generic_fix(diagnosis)
