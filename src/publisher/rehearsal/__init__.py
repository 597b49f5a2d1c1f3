"""Rehearsals (`publisher rehearse`): the real queue and adapters against
the local sandbox on a virtual clock.

Orchestration: drives the daemon, the metrics pull and the reports on its own store; nothing imports it
but the CLI.
"""
