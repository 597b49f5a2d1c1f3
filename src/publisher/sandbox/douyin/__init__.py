"""The Douyin fake under /dy (mimics https://open.douyin.com)."""
