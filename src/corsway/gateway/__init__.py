"""The local API Gateway: a shared front door (HTTP, ASGI, access log, reload) and one package
per API flavour (`rest/`: REST APIs), joined by the interface in `flavour.py`."""
