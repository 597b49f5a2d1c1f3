"""Platform rules: each platform's limits from platforms/<name>/platform.yaml,
and length counting as the platform counts."""
