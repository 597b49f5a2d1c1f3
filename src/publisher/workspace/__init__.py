"""The workspace: publisher.toml settings, packaged defaults, credentials from the environment, scaffolding.

Ground layer: imports errors, redact and platform rules only."""
