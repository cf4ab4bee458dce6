"""IAM policy statements: `provider.iam` (the functions' role) and API Gateway resource policies."""

from __future__ import annotations

from corsway.service.rules.common import ANY, ARN, CF_IF, LENIENT_ARN, ROLE_REFERENCE
from corsway.service.schema import AnyOf, Arr, Const, Lenient, Obj, Rule, Str

IAM_ACTION = Arr(Str())
PRINCIPAL = AnyOf(
    Const("*"),
    Obj(
        {
            "AWS": AnyOf(
                Const("*"),
                CF_IF,
                Arr(
                    AnyOf(
                        Str(pattern=r"^\d{12}$", pattern_text="an account id", pattern_kind="enum"),
                        ARN,
                    )
                ),
            ),
            "Federated": Arr(Str()),
            "Service": Arr(Str()),
            "CanonicalUser": Arr(Str()),
        }
    ),
    label="'*' or a principal object",
)
LOGICAL_ID = Str(
    pattern=r"^[#A-Za-z0-9-_./]+[*]?$", pattern_text="a logical resource id", pattern_kind="enum"
)
EXECUTE_API_ARN = Str(
    pattern=r"^execute-api:/", pattern_text="an execute-api:/ ARN", pattern_kind="enum"
)


def _statements(resource: Rule) -> Arr:
    """Statements go into the template as written, so a statement that breaks the schema only
    warns (as in the framework)."""
    return Arr(
        Lenient(
            Obj(
                {
                    "Sid": Str(),
                    "Effect": Str(enum=("Allow", "Deny")),
                    "Action": IAM_ACTION,
                    "NotAction": IAM_ACTION,
                    "Principal": PRINCIPAL,
                    "NotPrincipal": PRINCIPAL,
                    "Resource": resource,
                    "NotResource": resource,
                    "Condition": Obj(extra=ANY),
                },
                label="a policy statement",
            )
        ),
        label="a list of policy statements",
    )


IAM_RESOURCE = AnyOf(
    Const("*"), ARN, LOGICAL_ID, Arr(AnyOf(Const("*"), ARN, LOGICAL_ID)), label="resources"
)
IAM_STATEMENTS = _statements(IAM_RESOURCE)
RESOURCE_POLICY_RESOURCE = AnyOf(
    Const("*"),
    ARN,
    EXECUTE_API_ARN,
    Arr(AnyOf(Const("*"), ARN, EXECUTE_API_ARN)),
    label="resources",
)
RESOURCE_POLICY_STATEMENTS = _statements(RESOURCE_POLICY_RESOURCE)

IAM = Obj(
    {
        "role": AnyOf(
            ROLE_REFERENCE,
            Obj(
                {
                    "name": Lenient(
                        Str(
                            pattern=r"^[A-Za-z0-9/_+=,.@-]{1,64}$",
                            pattern_text="a role name",
                            pattern_kind="enum",
                        )
                    ),
                    "path": Lenient(
                        Str(
                            pattern=r"(^\/$)|(^\/[!-\x7f]+\/$)",
                            pattern_text="a role path (/.../)",
                            pattern_kind="enum",
                        )
                    ),
                    "managedPolicies": Arr(LENIENT_ARN),
                    "statements": IAM_STATEMENTS,
                    "permissionBoundary": LENIENT_ARN,
                    "permissionsBoundary": LENIENT_ARN,
                    "tags": Obj(extra=Lenient(Str(max_length=256))),
                }
            ),
            label="a role reference or a role definition",
        ),
        "deploymentRole": LENIENT_ARN,
    }
)
