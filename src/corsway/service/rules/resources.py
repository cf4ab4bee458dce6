"""`resources`: CloudFormation resources, outputs and the like merged into the template."""

from __future__ import annotations

from corsway.service.rules.common import ANY
from corsway.service.schema import AnyOf, Arr, Obj, Str

RESOURCE = Obj(
    {
        "Type": Str(),
        "Properties": Obj(extra=ANY),
        "CreationPolicy": Obj(extra=ANY),
        "DeletionPolicy": Str(),
        "DependsOn": AnyOf(Arr(Str()), label="a list of logical ids"),
        "Metadata": Obj(extra=ANY),
        "UpdatePolicy": Obj(extra=ANY),
        "UpdateReplacePolicy": Str(),
        "Condition": Str(),
    },
    required=("Type",),
    required_kind="enum",
)

RESOURCES = Obj(
    {
        "AWSTemplateFormatVersion": Str(),
        "Conditions": Obj(extra=ANY),
        "Description": Str(),
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
        "Transform": Arr(Str()),
        "extensions": Obj(
            extra=Obj(
                {
                    "Properties": Obj(extra=ANY),
                    "CreationPolicy": Obj(extra=ANY),
                    "DeletionPolicy": Str(),
                    "DependsOn": Arr(Str()),
                    "Metadata": Obj(extra=ANY),
                    "UpdatePolicy": Obj(extra=ANY),
                    "UpdateReplacePolicy": Str(),
                    "Condition": Str(),
                }
            ),
            extra_pattern=r"^[a-zA-Z0-9]{1,255}$",
        ),
    }
)
