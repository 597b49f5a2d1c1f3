"""Content: the Markdown-with-front-matter item format, parsed into models with line numbers for every field.

Ground layer: pure, imports only models and errors."""
