"""Whether fitting an image to a platform's ratio would cut much of it away, and the item's `fit:` choice.

小红书 shows a note's pictures at 3:4, 1:1 or 4:3; a wide diagram cropped to 4:3 loses its sides without a
word. `check` says so when a crop takes more than a tenth of the picture, and `fit: pad` on the item (or under
`platforms: {name: {fit: pad}}`) letterboxes it to the ratio instead: the whole picture on a plain band.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from publisher.platforms.rules import ImageRule
from publisher.render.media import crop_loss, display_size, target_aspect

__all__ = ["CROP_WARN_SHARE", "FITS", "crop_warning", "fitted", "ratio_text"]

#: A crop that cuts away more than this share of the picture is a warning.
CROP_WARN_SHARE = 0.10
FITS = ("crop", "pad")


def fitted(value: object) -> tuple[str | None, tuple[str, str] | None]:
    """The item's `fit:` (None when unset), or a (message, hint) problem for a value that is neither."""
    if value is None or value == "":
        return None, None
    if isinstance(value, str) and value.strip().lower() in FITS:
        return value.strip().lower(), None
    return None, (f"fit must be crop or pad, not {value!r}", "write `fit: pad` to keep the whole picture")


def ratio_text(aspect: float) -> str:
    """A ratio as people write it: 0.75 as 3:4, 2.35 as 47:20."""
    f = Fraction(aspect).limit_denominator(20)
    return f"{f.numerator}:{f.denominator}"


def crop_warning(
    path: Path,
    ref: str,
    rule: ImageRule,
    label: str,
    share: float,
    *,
    borrowed: bool = False,
    size: tuple[int, int] | None = None,
) -> tuple[str, str] | None:
    """(message, hint) when fitting `path` to the rule's ratio crops away more than `share` of it.

    `borrowed`: the picture stands in for a role the item left empty (a cover taken from `images:`), so the
    hint offers the role's own field first. `size`: the display size when a probe has read it already."""
    size = size or display_size(path)
    if size is None:
        return None
    loss = crop_loss(*size, rule)
    aspect = target_aspect(*size, rule)
    if loss <= share + 1e-9 or aspect is None:  # exactly a tenth (in floating point) says nothing
        return None
    w, h = size
    ratio = ratio_text(aspect)
    own = f"give `{rule.fields[0]}:` its own picture near {ratio}, or " if borrowed else ""
    return (
        f"{ref} ({w}×{h}) is cropped to {ratio} for {label}: {loss:.0%} of the picture is cut away",
        f"{own}add `fit: pad` to the item (or under its platform) to keep the whole picture on a plain band"
        + ("" if borrowed else f", or export it nearer {ratio}"),
    )
