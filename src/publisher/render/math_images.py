"""Math for inline-styled articles (WeChat first): `$…$` and `$$…$$` drawn as PNG images with matplotlib's
mathtext (offline).

WeChat keeps no SVG and no MathML, and its in-article images must be JPEG or PNG uploaded to its own host,
so a formula becomes a PNG that travels through the media pipeline like any body image. The image is drawn at
twice its CSS size (sharp on phones) on white (the pipeline may re-encode it as JPEG, which has no alpha).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Formula", "MathError", "formula", "formula_name", "mathtext_source"]

_SCALE = 2  # pixels per CSS pixel in the PNG
_INLINE_PX = 16
_DISPLAY_PX = 18


#: LaTeX that mathtext does not know, written as mathtext does: the same symbol or the nearest look.
_ALIASES = {
    "le": r"\leq",
    "ge": r"\geq",
    "lt": "<",
    "gt": ">",
    "land": r"\wedge",
    "lor": r"\vee",
    "lnot": r"\neg",
    "gets": r"\leftarrow",
    "implies": r"\Rightarrow",
    "iff": r"\Leftrightarrow",
    "bmod": r"\,\mathrm{mod}\,",
    "mod": r"\;\mathrm{mod}\;",
    "lvert": "|",
    "rvert": "|",
    "lVert": r"\Vert",
    "rVert": r"\Vert",
    "tfrac": r"\frac",
    "textrm": r"\mathrm",
    "textbf": r"\mathbf",
    "dotsc": r"\ldots",
    "dotsb": r"\cdots",
    "displaystyle": "",
    "limits": "",
}
_ALIAS = re.compile(r"\\(" + "|".join(sorted(_ALIASES, key=len, reverse=True)) + r")(?![A-Za-z])")
#: `\pmod{n}` as `(mod n)`; `\mathbin{…}`, `\mathrel{…}`, `\mathop{…}`, `\underbrace{…}`, `\overbrace{…}` as
#: their content (mathtext spaces operators by itself and draws no braces).
_PMOD = re.compile(r"\\pmod\s*\{([^{}]*)\}")
_WRAPPER = re.compile(r"\\(?:mathbin|mathrel|mathop|underbrace|overbrace)\s*\{((?:[^{}]|\{[^{}]*\})*)\}")


def mathtext_source(tex: str) -> str:
    """`tex` in the dialect matplotlib's mathtext reads: the LaTeX spellings it lacks replaced."""
    tex = _PMOD.sub(lambda m: r"\;(\mathrm{mod}\ " + m.group(1) + ")", tex)
    tex = _WRAPPER.sub(lambda m: m.group(1), tex)
    tex = tex.replace("\\&", "&")  # mathtext draws a bare & and knows no \&
    return _ALIAS.sub(lambda m: _ALIASES[m.group(1)], tex)


class MathError(ValueError):
    """A formula mathtext cannot draw (unknown command, unbalanced braces)."""


@dataclass(frozen=True)
class Formula:
    """One drawn formula: its file name, CSS size and baseline depth in px, and the PNG bytes."""

    name: str
    width: int
    height: int
    depth: int
    png: bytes


def formula_name(tex: str, display: bool) -> str:
    """The file name of a formula's image: stable, so the same formula is drawn and uploaded once."""
    digest = hashlib.sha256(f"{int(display)}\0{tex}".encode()).hexdigest()[:16]
    return f"math-{digest}.png"


@lru_cache(maxsize=256)
def formula(tex: str, display: bool = False) -> Formula:
    """Draw `tex` (without the dollar signs); MathError when mathtext cannot."""
    from matplotlib import mathtext  # imported only when an article has math: it is slow to import
    from matplotlib.font_manager import FontProperties
    from PIL import Image

    source = f"${mathtext_source(tex.strip())}$"
    prop = FontProperties(size=_DISPLAY_PX if display else _INLINE_PX)
    try:
        width, height, depth, _, _ = mathtext.MathTextParser("path").parse(source, dpi=72, prop=prop)
        buf = io.BytesIO()
        mathtext.math_to_image(source, buf, prop=prop, dpi=72 * _SCALE, format="png")
    except ValueError as exc:
        raise MathError(str(exc).strip().splitlines()[-1] if str(exc).strip() else "cannot draw it") from exc
    drawn = Image.open(io.BytesIO(buf.getvalue())).convert("RGBA")
    white = Image.new("RGBA", drawn.size, (255, 255, 255, 255))
    out = io.BytesIO()
    Image.alpha_composite(white, drawn).convert("RGB").save(out, format="PNG", optimize=True)
    return Formula(formula_name(tex, display), round(width), round(height), round(depth), out.getvalue())
