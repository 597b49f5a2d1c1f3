"""WeChat Official Accounts (微信公众号): the real API adapter, its request flows,
article payloads and metrics."""
