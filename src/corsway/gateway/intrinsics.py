"""A small evaluator for the CloudFormation intrinsics that Serverless Framework templates use.

`Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split` and the pseudo parameters
(`AWS::Region`, `AWS::AccountId`, ...). Physical ids that only exist after a deployment (the
REST API id, resource ids, the deployment id) are fake but stable: derived from the logical id,
so the same template always gets the same ids. Anything else is an error that names the
resource, the property and the value.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

from corsway.errors import CorswayError, SourceLocation

FAKE_ACCOUNT_ID = "123456789012"
NO_VALUE = object()  # what `Ref: AWS::NoValue` evaluates to: the key is dropped

_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def fake_id(seed: str, length: int) -> str:
    """A stable lower-case alphanumeric id, like API Gateway's `a1b2c3d4e5` ids."""
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(_ID_ALPHABET[byte % len(_ID_ALPHABET)] for byte in digest[:length])


class Intrinsics:
    """Evaluates intrinsic functions against one template's resources."""

    def __init__(
        self,
        resources: Mapping[str, Any],
        *,
        region: str,
        stack_name: str,
        source: str,
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self._resources = resources
        self._parameters = parameters or {}
        self._source = source
        self.region = region
        self.account_id = FAKE_ACCOUNT_ID
        self.stack_name = stack_name
        self._pseudo: dict[str, str] = {
            "AWS::Region": region,
            "AWS::AccountId": FAKE_ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": stack_name,
            "AWS::StackId": (
                f"arn:aws:cloudformation:{region}:{FAKE_ACCOUNT_ID}:stack/{stack_name}/"
                f"{fake_id(stack_name, 8)}-0000-0000-0000-{fake_id(stack_name, 12)}"
            ),
        }

    # -- public -------------------------------------------------------------------------

    def evaluate(self, value: Any, where: str) -> Any:
        """Evaluate every intrinsic inside `value`; `where` names the property for errors."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                if key == "Ref":
                    return self._ref(argument, where)
                if key.startswith("Fn::"):
                    return self._function(key, argument, where)
            result = {}
            for key, item in value.items():
                evaluated = self.evaluate(item, f"{where}.{key}")
                if evaluated is not NO_VALUE:
                    result[key] = evaluated
            return result
        if isinstance(value, list):
            items = [self.evaluate(item, f"{where}[{i}]") for i, item in enumerate(value)]
            return [item for item in items if item is not NO_VALUE]
        return value

    def string(self, value: Any, where: str) -> str:
        """Evaluate `value` and require a string (numbers are accepted, as CloudFormation does)."""
        result = self.evaluate(value, where)
        if isinstance(result, bool) or not isinstance(result, str | int | float):
            raise self.error(f"{where} must be a string, got {result!r}")
        return str(result)

    def physical_id(self, logical_id: str) -> str:
        """What `Ref` returns for a resource of this template."""
        resource = self._resources.get(logical_id)
        kind = resource.get("Type", "") if isinstance(resource, dict) else ""
        if kind == "AWS::ApiGateway::RestApi":
            return fake_id(f"restapi:{self.stack_name}:{logical_id}", 10)
        if kind == "AWS::Lambda::Function" and isinstance(resource, dict):
            properties = resource.get("Properties") or {}
            name = properties.get("FunctionName")
            if isinstance(name, str):
                return name
            return f"{self.stack_name}-{logical_id}-{fake_id(logical_id, 12).upper()}"
        if kind in ("AWS::ApiGateway::Resource", "AWS::ApiGateway::Authorizer"):
            return fake_id(f"{kind}:{logical_id}", 6)
        if kind == "AWS::ApiGateway::Deployment":
            return fake_id(f"deployment:{logical_id}", 6)
        if kind == "AWS::ApiGatewayV2::Api":
            return fake_id(f"httpapi:{self.stack_name}:{logical_id}", 10)
        if kind in ("AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Authorizer"):
            return fake_id(f"{kind}:{logical_id}", 7)
        return logical_id

    def error(self, message: str) -> CorswayError:
        """A CorswayError located in the template file."""
        return CorswayError(message, SourceLocation(self._source))

    # -- intrinsics ---------------------------------------------------------------------

    def _ref(self, name: Any, where: str) -> Any:
        if not isinstance(name, str):
            raise self.error(f"{where}: Ref needs a logical id or parameter name, got {name!r}")
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._resources:
            return self.physical_id(name)
        if name in self._parameters:
            parameter = self._parameters[name]
            if isinstance(parameter, dict) and "Default" in parameter:
                return parameter["Default"]
            raise self.error(f"{where}: parameter {name!r} has no Default, so it has no value here")
        raise self.error(
            f"{where}: Ref to {name!r}, which is not a resource, parameter or pseudo parameter "
            "of this template"
        )

    def _get_att(self, argument: Any, where: str) -> Any:
        if isinstance(argument, str) and "." in argument:
            argument = argument.split(".", 1)
        if (
            not isinstance(argument, list)
            or len(argument) != 2
            or not all(isinstance(part, str) for part in argument)
        ):
            raise self.error(f"{where}: Fn::GetAtt needs [LogicalId, Attribute], got {argument!r}")
        logical_id, attribute = argument
        resource = self._resources.get(logical_id)
        if not isinstance(resource, dict):
            raise self.error(f"{where}: Fn::GetAtt names {logical_id!r}, which is not a resource")
        kind = resource.get("Type")
        if kind == "AWS::ApiGateway::RestApi" and attribute == "RootResourceId":
            return fake_id(f"root:{logical_id}", 10)
        if kind == "AWS::Lambda::Function" and attribute == "Arn":
            return (
                f"arn:aws:lambda:{self.region}:{self.account_id}:function:"
                f"{self.physical_id(logical_id)}"
            )
        if kind == "AWS::ApiGatewayV2::Api" and attribute == "ApiEndpoint":
            return f"https://{self.physical_id(logical_id)}.execute-api.{self.region}.amazonaws.com"
        if attribute == "Arn":
            return f"arn:aws:{kind}:{self.region}:{self.account_id}:{logical_id}"
        return f"{logical_id}.{attribute}"

    def _function(self, name: str, argument: Any, where: str) -> Any:
        if name == "Fn::GetAtt":
            return self._get_att(argument, where)
        if name == "Fn::Join":
            if (
                not isinstance(argument, list)
                or len(argument) != 2
                or not isinstance(argument[0], str)
            ):
                raise self.error(f"{where}: Fn::Join needs [delimiter, [values]], got {argument!r}")
            values = self.evaluate(argument[1], where)
            if not isinstance(values, list):
                raise self.error(f"{where}: Fn::Join needs a list of values, got {values!r}")
            return argument[0].join(self.string(v, where) for v in values)
        if name == "Fn::Sub":
            return self._sub(argument, where)
        if name == "Fn::Select":
            if not isinstance(argument, list) or len(argument) != 2:
                raise self.error(f"{where}: Fn::Select needs [index, list], got {argument!r}")
            index = int(self.string(argument[0], where))
            values = self.evaluate(argument[1], where)
            if not isinstance(values, list) or not 0 <= index < len(values):
                raise self.error(f"{where}: Fn::Select index {index} is outside {values!r}")
            return values[index]
        if name == "Fn::GetAZs":
            return [f"{self.region}{zone}" for zone in "abc"]
        if name == "Fn::Split":
            if not isinstance(argument, list) or len(argument) != 2:
                raise self.error(f"{where}: Fn::Split needs [delimiter, string], got {argument!r}")
            return self.string(argument[1], where).split(str(argument[0]))
        raise self.error(
            f"{where}: the intrinsic {name} is not supported by corsway serve "
            "(supported: Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::GetAZs)"
        )

    def _sub(self, argument: Any, where: str) -> str:
        variables: Mapping[str, Any] = {}
        if isinstance(argument, list) and len(argument) == 2 and isinstance(argument[1], dict):
            text, variables = argument
        else:
            text = argument
        if not isinstance(text, str):
            raise self.error(f"{where}: Fn::Sub needs a string, got {text!r}")

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self.string(variables[name], where)
            if "." in name and name.split(".", 1)[0] in self._resources:
                return self.string({"Fn::GetAtt": name.split(".", 1)}, where)
            return self.string({"Ref": name}, where)

        return _SUB_VARIABLE.sub(replace, text)
