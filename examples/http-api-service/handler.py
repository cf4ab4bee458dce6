"""Payload 2.0 handlers of the HTTP API example (standard library only).

No CORS code: with `provider.httpApi.cors`, API Gateway answers the preflights and adds the
CORS headers to every answer itself (and drops any the handler would return).
"""

import json
import uuid

PRODUCTS = {
    "1": {"id": "1", "name": "Espresso cup", "price": 12.5},
    "2": {"id": "2", "name": "Milk jug", "price": 19.0},
}


def list_products(event, context):
    """A dict without statusCode: API Gateway answers 200 with it as JSON."""
    return {"products": list(PRODUCTS.values())}


def get_product(event, context):
    product = PRODUCTS.get(event["pathParameters"]["id"])
    if product is None:
        return {"statusCode": 404, "body": json.dumps({"message": "no such product"})}
    return product


def create_product(event, context):
    try:
        data = json.loads(event.get("body") or "{}")
    except ValueError:
        return {"statusCode": 400, "body": json.dumps({"message": "the body is not JSON"})}
    product_id = str(len(PRODUCTS) + 1)
    PRODUCTS[product_id] = {"id": product_id, "name": str(data.get("name", "")), "price": 0}
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json", "X-Request-Id": str(uuid.uuid4())},
        "body": json.dumps({"product": PRODUCTS[product_id], "createdBy": claims["sub"]}),
    }


def delete_product(event, context):
    PRODUCTS.pop(event["pathParameters"]["id"], None)
    return {"statusCode": 204}


def me(event, context):
    """The caller's claims, as API Gateway passes them (every value a string)."""
    jwt = event["requestContext"]["authorizer"]["jwt"]
    return {"claims": jwt["claims"], "scopes": jwt["scopes"]}
