"""Platform rules: each platform's limits from platforms/<name>/platform.yaml,
and length counting as the platform counts.

Ground layer: imports errors only; the rules are data, read from the packaged defaults and the workspace.
"""
