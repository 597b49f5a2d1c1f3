"""Content: the Markdown-with-front-matter item format, parsed into models with line numbers for every field;
the media digests kept across runs (`digests`).

Ground layer: pure but for reading the files and keeping those digests; imports only models and errors."""
