"""The xiaohongshu-mcp bridge fake."""
