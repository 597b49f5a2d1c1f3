"""Media an assistant names: workspace paths checked to stay inside,
https URLs downloaded with the R30 guards."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from publisher.content.item import MEDIA_EXTS
from publisher.mcp.fetch import Fetcher, FetchRefused, Kind
from publisher.messages import Msg, msg

MEDIA_SUBDIR = Path("media") / "mcp"  # under content/: where downloads and generated covers land


class ToolProblem(Exception):
    """A problem the assistant can fix: the message names the field and, where there is one, the limit.

    It carries a catalogue message (`publisher.messages`), worded in the workspace's language when the tool
    answers (`text(lang)`); `str()` is the English."""

    def __init__(self, said: Msg | str) -> None:
        super().__init__(said.text("en") if isinstance(said, Msg) else said)
        self.said = said

    def text(self, lang: str) -> str:
        return self.said.text(lang) if isinstance(self.said, Msg) else self.said


@dataclass
class MediaResolver:
    """Turns each reference into a path relative to `content/` (how an item in content/ names its media)."""

    root: Path
    content_dir: Path
    fetcher: Fetcher | None  # None: URLs are refused (downloads switched off)

    def ref(self, value: str, field: str, kind: Kind) -> str:
        """The reference to write into the item for one image or video given as a path or an https URL."""
        value = value.strip()
        if not value:
            raise ToolProblem(msg("mcp.empty_path", field=field))
        bad = next((c for c in value if ord(c) < 32 or ord(c) == 127), None)
        if bad is not None:
            raise ToolProblem(msg("mcp.control_char", field=field, char=f"U+{ord(bad):04X}"))
        if "://" in value:
            if self.fetcher is None:
                raise ToolProblem(msg("mcp.no_downloads", field=field))
            try:
                saved = self.fetcher.fetch(value, kind)
            except FetchRefused as exc:
                raise ToolProblem(msg("mcp.field_says", field=field, text=exc.said)) from None
            return self._relative(saved)
        return self._relative(self._local(value, field))

    def _local(self, value: str, field: str) -> Path:
        given = Path(value)
        root = self.root.resolve()
        candidates = [given] if given.is_absolute() else [self.root / given, self.content_dir / given]
        for path in candidates:
            try:  # a name too long for the file system names no file
                real = path.resolve()
                found = real.is_file()
            except (OSError, RuntimeError):
                continue
            if not real.is_relative_to(root):
                raise ToolProblem(msg("mcp.outside", field=field, value=repr(value), root=str(self.root)))
            if found:
                if real.suffix.lower() not in MEDIA_EXTS:
                    exts = ", ".join(sorted(MEDIA_EXTS))
                    raise ToolProblem(msg("mcp.not_media", field=field, value=repr(value), exts=exts))
                return path
        raise ToolProblem(msg("mcp.missing_file", field=field, value=repr(value)))

    def _relative(self, path: Path) -> str:
        return Path(os.path.relpath(path, self.content_dir)).as_posix()

    def generated_cover(self, title: str) -> str:
        """A plain 2.35:1 cover in a colour taken from the title, for an article that has no image at all."""
        from PIL import Image, ImageDraw

        digest = hashlib.sha256(title.encode("utf-8", "replace")).hexdigest()
        folder = self.content_dir / MEDIA_SUBDIR
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"cover-{digest[:16]}.png"
        if not path.exists():
            hue = int(digest[:2], 16)
            base = (40 + hue % 120, 60 + (hue * 7) % 120, 90 + (hue * 13) % 120)
            img = Image.new("RGB", (900, 383), base)
            draw = ImageDraw.Draw(img)
            draw.rectangle((40, 40, 860, 343), outline=(255, 255, 255), width=4)
            tmp = path.with_suffix(".tmp")
            img.save(tmp, format="PNG")
            os.replace(tmp, path)
        return self._relative(path)
