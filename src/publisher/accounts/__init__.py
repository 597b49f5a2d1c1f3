"""Accounts: how an account's mode, credentials and tokens become an adapter context,
and the logins that grant tokens.

Owns the per-account context the queue, the metrics pull and the rehearsal share. Imports the adapters, the
store and the workspace; never the queue, the daemon or a face."""
