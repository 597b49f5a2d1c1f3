"""Images a post names: found in the blog folder (beside the post, in its asset folder or page bundle, or
under the site's static root for `/absolute` paths), given a place under `content/media/<item>/`, and copied
only when the item is written. Nothing outside the blog folder is ever read."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from publisher.importer.model import Site


@dataclass
class MediaPlan:
    """The copies one item needs: source file → path relative to `content/`."""

    site: Site
    post: Path
    asset_dir: Path | None
    dest_prefix: str  # e.g. "media/hello-world"
    content_dir: Path
    copies: dict[Path, str] = field(default_factory=dict)
    _names: set[str] = field(default_factory=set)

    def find(self, ref: str) -> Path | None:
        """The file `ref` names inside the blog folder, or None."""
        clean = unquote(ref.split("#", 1)[0].split("?", 1)[0]).strip()
        if not clean or "://" in clean or clean.startswith(("data:", "//")):
            return None
        candidates: list[Path] = []
        if clean.startswith("/"):
            candidates += [base / clean.lstrip("/") for base in self.site.static_roots]
        else:
            if self.asset_dir is not None:
                candidates.append(self.asset_dir / clean)
            candidates.append(self.post.parent / clean)
            candidates += [base / clean for base in self.site.static_roots]
        for candidate in candidates:
            try:  # a name too long for the file system, a NUL or a symlink loop names no file
                resolved = candidate.resolve()
                if resolved.is_relative_to(self.site.root) and resolved.is_file():
                    return resolved
            except (OSError, RuntimeError, ValueError):
                continue
        return None

    def place(self, source: Path) -> str:
        """The path (relative to the item's folder) the copy of `source` gets; one name per file."""
        if source in self.copies:
            return self.copies[source]
        stem, suffix = source.stem, source.suffix.lower()
        name, n = f"{stem}{suffix}", 1
        while name in self._names or self._taken(f"{self.dest_prefix}/{name}", source):
            n += 1
            name = f"{stem}-{n}{suffix}"
        self._names.add(name)
        self.copies[source] = f"{self.dest_prefix}/{name}"
        return self.copies[source]

    def _taken(self, rel: str, source: Path) -> bool:
        """A file of another content already has that name in the workspace (never overwritten)."""
        target = self.content_dir / rel
        return target.exists() and (not target.is_file() or target.read_bytes() != source.read_bytes())

    def copy_into(self, content_dir: Path) -> list[Path]:
        """Copy every planned image; a file already there with the same bytes is left alone."""
        written: list[Path] = []
        for source, rel in self.copies.items():
            target = content_dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists() and target.read_bytes() == source.read_bytes():
                continue
            shutil.copyfile(source, target)
            written.append(target)
        return written
