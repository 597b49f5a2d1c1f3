"""Which generator a blog folder was written for, and which of its files are posts.

Hexo: `_config.yml` and `source/_posts/`. Hugo: `config.toml`, `hugo.toml`, `config.yaml` (or `hugo.yaml`,
`config/`) and `content/`. Jekyll: `_config.yml` and `_posts/` holding `YYYY-MM-DD-title.md`. Anything else
is a plain folder of Markdown files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from publisher.errors import UsageError
from publisher.importer.model import Kind, Site
from publisher.messages import msg

MARKDOWN = (".md", ".markdown")
JEKYLL_NAME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})-(.+)$")
_HUGO_CONFIGS = ("hugo.toml", "hugo.yaml", "hugo.json", "config.toml", "config.yaml", "config.json")
_SKIP_DIRS = {"node_modules", "public", "themes", "resources", "_site", "vendor"}


def detect(root: Path) -> Site:
    """The site at `root`; a missing folder is a usage error naming it."""
    if not root.is_dir():
        raise UsageError(msg("usage.not_a_folder", root=str(root)))
    root = root.resolve()
    if (root / "_config.yml").is_file() and (root / "source" / "_posts").is_dir():
        posts = _markdown(root / "source" / "_posts")
        return Site("hexo", root, posts, (root / "source",))
    if (any((root / c).is_file() for c in _HUGO_CONFIGS) or (root / "config").is_dir()) and (
        root / "content"
    ).is_dir():
        posts = tuple(p for p in _markdown(root / "content") if p.name != "_index.md")
        return Site("hugo", root, posts, (root / "static", root / "assets"))
    if (root / "_config.yml").is_file() and (root / "_posts").is_dir():
        posts = tuple(p for p in _markdown(root / "_posts") if JEKYLL_NAME.match(p.stem))
        return Site("jekyll", root, posts, (root,))
    return Site("plain", root, _markdown(root), (root,))


def _markdown(folder: Path) -> tuple[Path, ...]:
    """Markdown files under `folder`, sorted, skipping hidden folders, build output and dependencies."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS]
        for name in filenames:
            if name.lower().endswith(MARKDOWN) and not name.startswith("."):
                found.append(Path(dirpath) / name)
    return tuple(sorted(found))


def kind_label(kind: Kind) -> str:
    return {"hexo": "Hexo", "hugo": "Hugo", "jekyll": "Jekyll", "plain": "Markdown"}[kind]


def slug_for(site: Site, post: Path) -> str:
    """The item's name: the file's stem (a Hugo page bundle's folder name; a Jekyll post keeps its date),
    with path separators, control characters and spaces made safe."""
    stem = post.parent.name if post.stem == "index" and post.parent != site.root else post.stem
    safe = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "-", stem)
    safe = re.sub(r"\s+", "-", safe).strip("-.")
    return safe or "post"


def asset_folder(site: Site, post: Path) -> Path | None:
    """Where a post's own images live: a Hexo asset folder (`_posts/<name>/`) or a Hugo page bundle."""
    if site.kind == "hexo":
        folder = post.with_suffix("")
        return folder if folder.is_dir() else None
    if site.kind == "hugo" and post.stem == "index":
        return post.parent
    return None
