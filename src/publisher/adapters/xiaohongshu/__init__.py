"""Xiaohongshu (小红书): assisted packs, the opt-in xiaohongshu-mcp bridge,
and the creator-centre CSV import."""
