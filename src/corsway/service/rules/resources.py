"""`resources`: CloudFormation resources, outputs and the like merged into the template."""

from __future__ import annotations

from corsway.service.rules.common import ANY
from corsway.service.schema import AnyOf, Arr, Lenient, Obj, Str

# A resource is merged into the template as written: its attributes only warn (as in the
# framework) when they break the schema.
RESOURCE = Obj(
    {
        "Type": Lenient(Str()),
        "Properties": Lenient(Obj(extra=ANY)),
        "CreationPolicy": Lenient(Obj(extra=ANY)),
        "DeletionPolicy": Lenient(Str()),
        "DependsOn": Lenient(AnyOf(Arr(Str()), label="a list of logical ids")),
        "Metadata": Lenient(Obj(extra=ANY)),
        "UpdatePolicy": Lenient(Obj(extra=ANY)),
        "UpdateReplacePolicy": Lenient(Str()),
        "Condition": Lenient(Str()),
    },
    required=("Type",),
    required_kind="enum",
)

RESOURCES = Obj(
    {
        "AWSTemplateFormatVersion": Lenient(Str()),
        "Conditions": Obj(extra=ANY),
        "Description": Lenient(Str()),
        "Mappings": Obj(extra=ANY),
        "Metadata": Obj(extra=ANY),
        "Outputs": Obj(extra=ANY),
        "Parameters": Obj(extra=ANY),
        "Resources": Obj(
            {"Fn::Transform": ANY},
            extra=RESOURCE,
            extra_pattern=r"^[a-zA-Z0-9]{1,255}$",
            unknown_hint="CloudFormation logical ids are alphanumeric",
        ),
        "Transform": Arr(Lenient(Str())),
        "extensions": Obj(
            extra=Obj(
                {
                    "Properties": Obj(extra=ANY),
                    "CreationPolicy": Lenient(Obj(extra=ANY)),
                    "DeletionPolicy": Lenient(Str()),
                    "DependsOn": Arr(Lenient(Str())),
                    "Metadata": Obj(extra=ANY),
                    "UpdatePolicy": Lenient(Obj(extra=ANY)),
                    "UpdateReplacePolicy": Lenient(Str()),
                    "Condition": Lenient(Str()),
                }
            ),
            extra_pattern=r"^[a-zA-Z0-9]{1,255}$",
        ),
    }
)
