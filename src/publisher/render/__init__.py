"""Rendering: Markdown, WeChat HTML, media and the template engine that turn an item into a payload."""
