"""The publish queue: claims due posts, writes ahead, sends once through an adapter, reconciles lost answers.

Work layer: imports adapters, accounts, the calendar and the store; never the daemon or a face."""
