"""A crop that cuts away more than a tenth of a picture is a warning naming it, and `fit: pad` keeps the
whole picture on a plain band at the platform's ratio."""

from __future__ import annotations

import pytest
from PIL import Image
from tests.conftest import WS, make_image

from publisher.calendar.check import check_workspace
from publisher.calendar.load import Calendar
from publisher.platforms.rules import ImageRule
from publisher.render.media import crop_loss

NOTE = """
---
id: diagram
title: 架构图一张
publish_at: 2026-12-01 12:00
images: [media/wide.png]
{fit}
platforms:
  xiaohongshu: {{{override}}}
---
一张很宽的架构图。
"""


def _note(ws: WS, fit: str = "", override: str = "") -> None:
    # a 16:9 diagram: red in the middle third, blue at both ends (what a 4:3 crop cuts away)
    wide = make_image(ws.root / "content" / "media" / "wide.png", (1600, 900), "#3366ff")
    with Image.open(wide) as im:
        im.paste((255, 0, 0), (533, 0, 1067, 900))
        im.save(wide)
    ws.item("diagram.md", NOTE.format(fit=fit, override=override))


@pytest.mark.parametrize(
    ("size", "loss"), [((1080, 1440), 0.0), ((1600, 900), 0.25), ((900, 1600), 0.25), ((1000, 1000), 0.0)]
)
def test_crop_loss_is_the_share_of_the_picture_cut_away(size: tuple[int, int], loss: float) -> None:
    rule = ImageRule(role="images", aspects=(3 / 4, 1.0, 4 / 3))
    assert crop_loss(*size, rule) == pytest.approx(loss)
    assert crop_loss(*size, ImageRule(role="images", aspects=(3 / 4,), fit="pad")) == 0.0


def test_a_crop_losing_more_than_a_tenth_is_a_warning_naming_the_image(ws: WS) -> None:
    _note(ws)
    result = check_workspace(ws.open())
    assert result.errors == [], [p.format() for p in result.errors]
    (warning,) = [p for p in result.warnings if p.field.startswith("images")]
    assert warning.platform == "xiaohongshu" and warning.path == "content/diagram.md" and warning.line == 5
    assert "media/wide.png (1600×900)" in warning.message and "4:3" in warning.message
    assert "25%" in warning.message and "`fit: pad`" in warning.hint


def test_a_crop_of_a_tenth_or_less_says_nothing(ws: WS) -> None:
    make_image(ws.root / "content" / "media" / "wide.png", (1000, 1200))  # 5:6 to 3:4 cuts exactly 10 %
    ws.item("diagram.md", NOTE.format(fit="", override=""))
    result = check_workspace(ws.open())
    assert not [p for p in result.problems if p.field.startswith("images")]


@pytest.mark.parametrize(("fit", "override"), [("fit: pad", ""), ("", "fit: pad")])
def test_fit_pad_letterboxes_the_whole_picture_to_the_ratio(ws: WS, fit: str, override: str) -> None:
    _note(ws, fit, override)
    calendar = Calendar(ws.open())
    checked, _ = calendar.scan()
    (item,) = [c.item for c in checked if c.item is not None]
    (target,) = item.targets
    post, problems = calendar.renderer.render(item, target, process_media=True)
    assert post is not None and not [p for p in problems if p.field.startswith("images")], problems
    (picture,) = post.media
    assert picture.width is not None and picture.height is not None
    assert picture.width * 3 == picture.height * 4  # 4:3, the nearest ratio 小红书 shows
    with Image.open(picture.path) as out:
        rgb = out.convert("RGB")
        w, h = rgb.size
        band, middle, left_end = (
            rgb.getpixel((w // 2, 2)),
            rgb.getpixel((w // 2, h // 2)),
            rgb.getpixel((3, h // 2)),
        )
    assert band == (255, 255, 255)  # the plain band above the picture
    assert middle[0] > 200 and middle[2] < 60  # the red middle
    assert left_end[2] > 200 and left_end[0] < 100  # the blue end a crop would have cut away


def test_an_unknown_fit_is_an_error_naming_the_field_and_the_fix(ws: WS) -> None:
    _note(ws, "fit: stretch")
    result = check_workspace(ws.open())
    (problem,) = [p for p in result.errors if p.field == "fit"]
    assert problem.line == 6 and "crop or pad" in problem.message and "fit: pad" in problem.hint


def test_a_cover_borrowed_from_the_images_names_its_own_field_first(ws: WS) -> None:
    ws.item(
        "story.md",
        """
        ---
        id: story
        title: 客户故事
        publish_at: 2026-12-01 12:00
        images: [media/a.png]
        platforms: [wechat]
        ---
        正文。
        """,
    )
    result = check_workspace(ws.open())
    (warning,) = [p for p in result.warnings if "cropped" in p.message]
    assert warning.field == "images[0]" and "media/a.png (1080×1440)" in warning.message
    assert "47:20" in warning.message and warning.hint.startswith("give `cover:` its own picture near 47:20")
