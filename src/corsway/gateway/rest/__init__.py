"""REST APIs (`AWS::ApiGateway::*`): model, template reading, routing, authorizers, MOCK/VTL
integrations, Lambda proxy payload 1.0, gateway responses; `served.py` is what the front door
sees of it."""
