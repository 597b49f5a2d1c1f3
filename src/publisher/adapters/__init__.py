"""Platform adapters: one module per platform, sharing the HTTP layer in adapters/http.py."""
