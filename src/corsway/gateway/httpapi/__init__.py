"""The HTTP API flavour (API Gateway v2, `AWS::ApiGatewayV2::*`, Serverless `httpApi` events)."""
