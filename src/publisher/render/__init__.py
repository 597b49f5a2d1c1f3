"""Rendering: Markdown, inline-styled article HTML, media and the template engine: an item becomes a payload.

Pure apart from reading templates and media files: imports content, platform rules, models and errors;
never the store, an adapter, the queue or a face."""
