"""`publisher import DIR`: a Hexo, Hugo, Jekyll or plain Markdown folder turned into calendar items (drafts,
with their images), through the same writer as every face, and a report of what changed per file."""

from publisher.importer.model import FileReport, ImportReport, Note
from publisher.importer.run import import_blog

__all__ = ["FileReport", "ImportReport", "Note", "import_blog"]
