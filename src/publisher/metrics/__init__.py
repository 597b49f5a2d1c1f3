"""Metrics: engagement pulled from the platforms (or imported from creator-centre exports) into the store.

Work layer: asks adapters for figures through the account context and writes them through the store; never
imports the queue, the calendar, the reports, the daemon or a face."""
