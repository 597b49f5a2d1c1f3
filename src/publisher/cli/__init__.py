"""The command line (`publisher ...`): one module per command group,
the shared options defined once in common.

A face: it calls the services of the packages below and prints; no SQL, no platform knowledge."""
