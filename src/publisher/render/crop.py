"""Whether fitting an image to a platform's ratio would cut much of it away, and the item's `fit:` choice.

小红书 shows a note's pictures at 3:4, 1:1 or 4:3; a wide diagram cropped to 4:3 loses its sides without a
word. `check` says so when a crop takes more than a tenth of the picture, and `fit: pad` on the item (or under
`platforms: {name: {fit: pad}}`) letterboxes it to the ratio instead: the whole picture on a plain band.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from publisher.messages import Msg, msg
from publisher.platforms.rules import ImageRule
from publisher.render.media import crop_loss, display_size, target_aspect

__all__ = ["CROP_WARN_SHARE", "FITS", "crop_warning", "fitted", "ratio_text"]

#: A crop that cuts away more than this share of the picture is a warning.
CROP_WARN_SHARE = 0.10
FITS = ("crop", "pad")


def fitted(value: object) -> tuple[str | None, tuple[Msg, Msg] | None]:
    """The item's `fit:` (None when unset), or a (message, hint) problem for a value that is neither."""
    if value is None or value == "":
        return None, None
    if isinstance(value, str) and value.strip().lower() in FITS:
        return value.strip().lower(), None
    return None, (msg("fit_invalid", value=value), msg("fit_invalid.hint"))


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
) -> tuple[Msg, Msg] | None:
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
    own = msg("crop.own", field=rule.fields[0], ratio=ratio) if borrowed else ""
    nearer = "" if borrowed else msg("crop.nearer", ratio=ratio)
    return (
        msg("crop", ref=ref, w=w, h=h, ratio=ratio, platform=label, loss=loss),
        msg("crop.hint", own=own, nearer=nearer),
    )
