"""The MCP server `social-media-publisher` (`publisher mcp`): tools that drive the same services as the CLI.

A face: no SQL of its own, no platform special cases beyond the tools the registry describes."""
