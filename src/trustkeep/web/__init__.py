"""HTTP interfaces: the REST API, the console and the inbound webhook endpoints."""
