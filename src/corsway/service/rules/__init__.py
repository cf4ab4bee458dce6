"""The parts of the Serverless Framework v3.40 configuration schema that corsway compiles.

Written from the framework's documented schema (types, enums, patterns); properties the
compiler does not use are listed by name only, so that they are recognized but not checked.
One module per part of `serverless.yml`:

- `root`: the top-level keys (`SERVICE`, the rule `service.py` checks a whole config with);
- `provider`: `provider` (region, stage, `apiGateway`, usage plans, API keys);
- `functions`: one entry of `functions`;
- `events`: a function's `events` list, one rule per event type;
- `http_event`: `http` events (REST API: path, method, cors, authorizer, request, response);
- `iam`: IAM role statements and API Gateway resource policies;
- `resources`: `resources` (CloudFormation resources, outputs, extensions);
- `common`: CloudFormation functions, ARNs, and the Lambda settings that `provider` and
  `functions` share (runtime, memory, timeout, environment, tags, role).

A new event type (e.g. `httpApi`) gets its own `<type>_event.py` and one entry in
`events.EVENT_TYPES`; its `provider` settings go next to `apiGateway` in `provider`.
"""
