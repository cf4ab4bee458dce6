"""The whole `serverless.yml`: its top-level keys (`SERVICE`)."""

from __future__ import annotations

from corsway.service.rules.common import ANY
from corsway.service.rules.functions import FUNCTION
from corsway.service.rules.provider import PROVIDER
from corsway.service.rules.resources import RESOURCES
from corsway.service.schema import Const, Lenient, Obj, Str

SERVICE = Obj(
    {
        "service": Str(
            pattern=r"^[a-zA-Z][0-9a-zA-Z-]+$",
            pattern_text="a service name (a letter, then letters, digits or -)",
            pattern_kind="enum",
        ),
        "provider": PROVIDER,
        "functions": Obj(
            extra=FUNCTION,
            extra_pattern=r"^[a-zA-Z0-9-_]+$",
            unknown_hint="function names are letters, digits, - and _",
        ),
        "resources": RESOURCES,
        "custom": ANY,
        "plugins": ANY,
        "package": ANY,
        "params": Obj(extra=Obj(extra=ANY)),
        "useDotenv": Lenient(Const(True)),
        "configValidationMode": Str(enum=("error", "warn", "off")),
        "frameworkVersion": Lenient(Str()),
        "app": ANY,
        "org": ANY,
        "console": ANY,
        "dashboard": ANY,
        "layers": ANY,
        "outputs": ANY,
        "disabledDeprecations": ANY,
        "deprecationNotificationMode": ANY,
        "projectDir": ANY,
        "variablesResolutionMode": ANY,
    },
    required=("service", "provider"),
    required_hints={
        "service": "the configuration needs a service name (e.g. service: my-api)",
        "provider": "the configuration needs a provider (e.g. provider: {name: aws, runtime: "
        "nodejs18.x})",
    },
    label="a Serverless service definition",
)
