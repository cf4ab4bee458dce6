"""REST authorizers from the template: `AWS::ApiGateway::Authorizer` resources and each
method's `AuthorizationType`/`AuthorizerId`, checked once at start-up (errors name the logical
id and property; what corsway serve cannot run becomes a start-up note)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from corsway.gateway.cfn import TemplateReader
from corsway.gateway.functions import function_key_of
from corsway.gateway.rest.model import (
    COGNITO_USER_POOLS,
    DEFAULT_AUTHORIZER_TTL_S,
    REQUEST,
    TOKEN,
    Authorizer,
    IdentitySource,
)

_AUTHORIZER_TYPES = (TOKEN, REQUEST, COGNITO_USER_POOLS)
_AUTHORIZATION_TYPES = ("NONE", "CUSTOM", "AWS_IAM", COGNITO_USER_POOLS)
_IDENTITY_SOURCE = re.compile(
    r"(method\.request\.header|method\.request\.querystring|stageVariables|context)\.(\S+)"
)


def read_authorizers(
    reader: TemplateReader, function_by_name: Mapping[str, str]
) -> dict[str, Authorizer]:
    """Every AWS::ApiGateway::Authorizer, checked and compiled once."""
    authorizers = {}
    for logical_id in reader.of_type("AWS::ApiGateway::Authorizer"):
        where = f"Resources.{logical_id}.Properties"
        kind = reader.value(logical_id, "Type")
        if not isinstance(kind, str) or kind.upper() not in _AUTHORIZER_TYPES:
            raise reader.error(
                f"{where}.Type: {kind!r} is not an authorizer type (TOKEN, REQUEST, "
                "COGNITO_USER_POOLS)"
            )
        kind = kind.upper()
        name = str(reader.value(logical_id, "Name", logical_id) or logical_id)
        ttl = _authorizer_ttl(reader, logical_id, where)
        sources = _identity_sources(reader, logical_id, where, kind, ttl)
        validation = None
        expression = reader.value(logical_id, "IdentityValidationExpression")
        if expression is not None and not isinstance(expression, str):
            raise reader.error(
                f"{where}.IdentityValidationExpression must be a string (a regular "
                f"expression), got {expression!r}"
            )
        if expression and kind == TOKEN:
            try:
                validation = re.compile(expression)
            except re.error as error:
                raise reader.error(
                    f"{where}.IdentityValidationExpression {expression!r} is not a regular "
                    f"expression corsway can compile: {error}"
                ) from None
        elif expression and kind == REQUEST:
            reader.notes.append(
                f"authorizer {name}: IdentityValidationExpression {expression!r} does not "
                "apply to REQUEST authorizers (API Gateway ignores it too)"
            )
        elif expression:
            reader.notes.append(
                f"authorizer {name}: IdentityValidationExpression {expression!r} (matched "
                "against the token's aud claim on AWS) is NOT checked by corsway serve"
            )
        function_key = None
        uri = ""
        providers: tuple[str, ...] = ()
        if kind == COGNITO_USER_POOLS:
            raw = reader.value(logical_id, "ProviderARNs") or []
            if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
                raise reader.error(
                    f"{where}.ProviderARNs must be a list of user pool ARNs, got {raw!r}"
                )
            providers = tuple(raw)
        else:
            evaluated = reader.value(logical_id, "AuthorizerUri")
            if not isinstance(evaluated, str) or not evaluated:
                raise reader.error(
                    f"{where}.AuthorizerUri is required for a {kind} authorizer (the Lambda "
                    f"function's invocation URI), got {evaluated!r}"
                )
            uri = evaluated
            function_key = function_key_of(uri, function_by_name)
        authorizers[logical_id] = Authorizer(
            logical_id=logical_id,
            name=name,
            type=kind,
            identity_sources=sources,
            validation=validation,
            ttl_s=ttl,
            function_key=function_key,
            uri=uri,
            provider_arns=providers,
        )
    return authorizers


def _authorizer_ttl(reader: TemplateReader, logical_id: str, where: str) -> int:
    raw = reader.value(logical_id, "AuthorizerResultTtlInSeconds")
    if raw is None:
        return DEFAULT_AUTHORIZER_TTL_S  # API Gateway's default when the property is absent
    text = str(raw) if isinstance(raw, int | str) and not isinstance(raw, bool) else ""
    if not text.isdigit() or int(text) > 3600:
        raise reader.error(
            f"{where}.AuthorizerResultTtlInSeconds must be a whole number of seconds from 0 "
            f"(no caching) to 3600, got {raw!r}"
        )
    return int(text)


def _identity_sources(
    reader: TemplateReader, logical_id: str, where: str, kind: str, ttl: int
) -> tuple[IdentitySource, ...]:
    raw = reader.value(logical_id, "IdentitySource")
    if raw is not None and not isinstance(raw, str):
        raise reader.error(
            f"{where}.IdentitySource must be a comma-separated string of mapping "
            f"expressions, got {raw!r}"
        )
    sources = []
    for expression in (part.strip() for part in (raw or "").split(",")):
        if not expression:
            continue
        match = _IDENTITY_SOURCE.fullmatch(expression)
        if match is None:
            detail = (
                "path parameters cannot be identity sources"
                if expression.startswith("method.request.path.")
                else "valid: method.request.header.NAME, method.request.querystring.NAME, "
                "stageVariables.NAME, context.NAME"
            )
            raise reader.error(
                f"{where}.IdentitySource: {expression!r} is not an identity source ({detail})"
            )
        prefix = match.group(1)
        source_kind = prefix.rsplit(".", 1)[-1] if prefix.startswith("method.") else prefix
        sources.append(IdentitySource(expression, source_kind, match.group(2)))
    if kind in (TOKEN, COGNITO_USER_POOLS) and (len(sources) != 1 or sources[0].kind != "header"):
        raise reader.error(
            f"{where}.IdentitySource: a {kind} authorizer reads its token from one header "
            f"(method.request.header.NAME), got {raw!r}"
        )
    if kind == REQUEST and ttl > 0 and not sources:
        raise reader.error(
            f"{where}: a REQUEST authorizer with caching (AuthorizerResultTtlInSeconds "
            f"{ttl}) needs an IdentitySource, the cache key; add one or set the TTL to 0"
        )
    return tuple(sources)


def method_authorizer(
    reader: TemplateReader,
    authorizers: Mapping[str, Authorizer],
    logical_id: str,
    authorization: str,
    route: str,
) -> tuple[str | None, tuple[str, ...]]:
    """The method's authorizer (logical id) and scopes; start-up notes for what is not run."""
    where = f"Resources.{logical_id}.Properties"
    if authorization not in _AUTHORIZATION_TYPES:
        raise reader.error(
            f"{where}.AuthorizationType: {authorization!r} is not one of NONE, CUSTOM, "
            "AWS_IAM, COGNITO_USER_POOLS"
        )
    if authorization == "NONE":
        return None, ()
    if authorization == "AWS_IAM":
        reader.notes.append(
            f"{route}: AWS_IAM: a request without a SigV4 signature gets 403 Missing "
            "Authentication Token (as on AWS); signatures and IAM permissions are NOT "
            "verified by corsway serve, so any signed request reaches the integration"
        )
        return None, ()
    raw = reader.properties(logical_id).get("AuthorizerId")
    scopes_raw = reader.value(logical_id, "AuthorizationScopes") or []
    if not isinstance(scopes_raw, list) or not all(isinstance(x, str) for x in scopes_raw):
        raise reader.error(f"{where}.AuthorizationScopes must be a list of strings")
    scopes = tuple(scopes_raw)
    if isinstance(raw, dict) and isinstance(raw.get("Ref"), str):
        target = raw["Ref"]
        authorizer = authorizers.get(target)
        if authorizer is None:
            raise reader.error(
                f"{where}.AuthorizerId: {target!r} is not an AWS::ApiGateway::Authorizer "
                "of this template"
            )
    else:
        existing = reader.value(logical_id, "AuthorizerId")
        if not isinstance(existing, str) or not existing:
            raise reader.error(
                f"{where}.AuthorizerId is required with AuthorizationType {authorization} "
                f"(a Ref to an AWS::ApiGateway::Authorizer), got {raw!r}"
            )
        reader.notes.append(
            f"{route}: authorizer {existing!r} is not in the template (an existing "
            "authorizer, `authorizerId`): corsway serve cannot run it, so these requests "
            'answer 500 {"message": null} (AUTHORIZER_CONFIGURATION_ERROR)'
        )
        return existing, scopes
    cognito = authorization == COGNITO_USER_POOLS
    expected = (COGNITO_USER_POOLS,) if cognito else (TOKEN, REQUEST)
    if authorizer.type not in expected:
        raise reader.error(
            f"{where}: AuthorizationType {authorization} does not fit authorizer "
            f"{authorizer.logical_id} of Type {authorizer.type}"
        )
    if authorizer.type == COGNITO_USER_POOLS:
        header = authorizer.identity_sources[0].name
        checked_scopes = f" and scopes ({', '.join(scopes)})" if scopes else ""
        reader.notes.append(
            f"{route}: COGNITO_USER_POOLS authorizer {authorizer.name}: only the presence "
            f"of the {header} header is checked (401 without it, as on AWS); the token's "
            f"signature, expiry, audience, user pool{checked_scopes} are NOT verified by "
            "corsway serve, and requestContext.authorizer.claims holds its claims decoded "
            "without verification"
        )
    elif authorizer.function_key is None:
        reader.notes.append(
            f"{route}: authorizer {authorizer.name} ({authorizer.type}) invokes "
            f"{_lambda_arn(authorizer.uri)}, which is not a Lambda function of this "
            "template: corsway serve cannot run it, so requests that pass its "
            "identity-source check answer "
            '500 {"message": null} (AUTHORIZER_CONFIGURATION_ERROR), as API Gateway does '
            "when it cannot invoke an authorizer"
        )
    return authorizer.logical_id, scopes


def _lambda_arn(uri: str) -> str:
    """The function ARN inside a Lambda invocation URI (or the URI itself)."""
    match = re.search(r"functions/(.+?)/invocations", uri)
    return match.group(1) if match else uri
