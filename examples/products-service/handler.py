"""The seed's handlers in Python. API Gateway adds no CORS headers to proxy responses: each
handler returns its own, exactly as the seed's Node.js handlers do."""

import json
import re

PRODUCTS = {
    "1": {"id": "1", "name": "Espresso cup", "price": 9.5},
    "2": {"id": "2", "name": "Milk jug", "price": 14.0},
}

ALLOWED_ORIGINS = ["https://myfirstorigin.com", "https://mysecondorigin.com"]
LOCAL_FRONT_END = re.compile(r"http://127\.0\.0\.1:[0-9]+")  # serverless.yml: http://127.0.0.1:*


def retrieve_product(event):
    return PRODUCTS.get(event["pathParameters"]["id"])


def create_product_from(event):
    data = json.loads(event["body"] or "{}")
    return {"id": str(len(PRODUCTS) + 1), "name": data.get("name", "unnamed")}


def get_product(event, context):
    # Do work to retrieve Product
    product = retrieve_product(event)

    response = {
        "statusCode": 200 if product else 404,
        "headers": {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Credentials": True,
        },
        "body": json.dumps({"product": product}),
    }
    return response


def create_product(event, context):
    # Do work to create Product
    product = create_product_from(event)

    response = {
        "statusCode": 200,
        "headers": {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Credentials": True,
        },
        "body": json.dumps({"product": product}),
    }
    return response


def header(event, name):
    # REST APIs pass header names as the browser sent them: `Origin` over HTTP/1.1, `origin`
    # over HTTP/2. The seed reads `event.headers.origin`, which misses `Origin`; compare
    # names case-insensitively instead.
    for key, value in (event["headers"] or {}).items():
        if key.lower() == name:
            return value
    return None


def get_account(event, context):
    origin = header(event, "origin")

    if origin in ALLOWED_ORIGINS or (origin and LOCAL_FRONT_END.fullmatch(origin)):
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Credentials": True,
            "Vary": "Origin",
        }
    else:
        headers = {
            "Access-Control-Allow-Origin": "*",
        }

    account = {"user": "demo", "signedIn": header(event, "cookie") is not None}

    response = {
        "statusCode": 200,
        "headers": headers,
        "body": json.dumps({"account": account}),
    }
    return response
