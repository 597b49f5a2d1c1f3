"""The near-duplicate guard of `check`: alike items within the window are named with their similarity;
the same text on two accounts of one platform is flagged; images count for texts just below the threshold."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw
from tests.conftest import WS

from publisher.calendar.check import check_workspace
from publisher.compliance import similar

BODY = (
    "周报助手 WeeklyPilot：写周报最累的不是写，是想起来这周干了什么。连接飞书日历、Jira 和 GitHub，"
    "选择研发、产品或销售模板，一键生成初稿，标出风险和下周计划。"
    "内测 214 位用户，中位用时从 62 分钟降到 9 分钟。"
)
ITEM = """
---
title: {title}
publish_at: {when}
images: [{image}]
platforms: {platforms}
---
{body}
"""


def write(ws: WS, name: str, body: str, *, when: str = "2026-12-01 12:00", image: str = "media/a.png",
          platforms: str = "[xiaohongshu]", title: str = "三步搞定周报") -> None:  # fmt: skip
    ws.item(name, ITEM.format(title=title, when=when, image=image, platforms=platforms, body=body))


def pattern(path: Path, flip: bool = False) -> None:
    """A picture with structure (a plain colour has no gradients to hash)."""
    img = Image.new("RGB", (1080, 1440), "#f4e1d2")
    draw = ImageDraw.Draw(img)
    for n, colour in enumerate(("#ff2442", "#3366ff", "#222222", "#33aa55")):
        draw.ellipse((60 + n * 240, 100 + n * 300, 360 + n * 240, 500 + n * 300), fill=colour)
    (img.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if flip else img).save(path)


def near(ws: WS) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in check_workspace(ws.open()).problems:
        if "near-duplicate" in p.message:
            assert p.severity == "warning" and p.field == "body"
            out.setdefault(p.path, []).append(p.message)
    return out


def test_a_lightly_edited_copy_is_named_on_both_items_with_its_similarity(ws: WS) -> None:
    write(ws, "a.md", BODY)
    write(ws, "b.md", BODY.replace("9 分钟", "10 分钟"), when="2026-12-20 09:00")
    write(
        ws, "c.md", "完全不同的一篇：我们如何在三个月里把客服响应时间缩短一半，团队分工与工具选择都在这里。"
    )
    found = near(ws)
    assert set(found) == {"content/a.md", "content/b.md"}
    (msg,) = found["content/a.md"]
    assert "content/b.md" in msg and "% alike" in msg
    score = int(msg.split("near-duplicate: ")[1].split("%")[0])
    assert 85 <= score < 100


def test_outside_the_window_or_below_the_threshold_nothing_is_said(ws: WS) -> None:
    write(ws, "a.md", BODY)
    write(ws, "b.md", BODY, when="2027-02-15 12:00")  # 76 days later; the window is 30 days
    assert near(ws) == {}
    (ws.root / "publisher.toml").write_text(
        (ws.root / "publisher.toml").read_text(encoding="utf-8") + '\n[compliance]\nwindow = "90d"\n',
        encoding="utf-8",
    )
    assert set(near(ws)) == {"content/a.md", "content/b.md"}


def test_the_same_text_on_two_accounts_of_one_platform_is_flagged(ws: WS) -> None:
    write(ws, "a.md", BODY, platforms="{wechat: {author: 运营, digest: 一篇, cover: media/cover.png}, "
          "wechat_en: {author: 运营, digest: 一篇, cover: media/cover.png}}")  # fmt: skip
    (msg,) = near(ws)["content/a.md"]
    assert "itself on wechat accounts" in msg and "the same content twice" in msg


def test_cross_account_posts_of_alike_items_say_so(ws: WS) -> None:
    cover = "media/cover.png"
    write(ws, "a.md", BODY, platforms=f"{{wechat: {{author: 运营, digest: 一篇, cover: {cover}}}}}")
    write(
        ws,
        "b.md",
        BODY + "欢迎试用。",
        platforms=f"{{wechat_en: {{author: 运营, digest: 一篇, cover: {cover}}}}}",
    )
    (msg,) = near(ws)["content/b.md"]
    assert "content/a.md on wechat (accounts wechat and wechat_en: the same content on two accounts)" in msg


def test_texts_just_below_the_threshold_count_when_their_images_look_the_same(ws: WS) -> None:
    rewritten = BODY[: len(BODY) * 7 // 9] + "另外，还有日报与月报。"
    media = ws.root / "content" / "media"
    pattern(media / "p.png")
    pattern(media / "q.png", flip=True)
    write(ws, "a.md", BODY, image="media/p.png")
    write(ws, "b.md", rewritten, image="media/q.png")
    a = similar.fingerprint(similar.normalize(BODY))
    b = similar.fingerprint(similar.normalize(rewritten))
    assert a is not None and b is not None and 0.6 <= similar.similarity(a, b) < 0.85
    assert near(ws) == {}  # different images: a different post
    pattern(media / "p2.jpg")  # the same picture, saved again as JPEG
    write(ws, "b.md", rewritten, image="media/p2.jpg")
    (msg,) = near(ws)["content/b.md"]
    assert "content/a.md" in msg and "its images look the same" in msg


def test_many_variations_name_the_three_most_alike_and_count_the_rest(ws: WS) -> None:
    for n in range(6):
        write(ws, f"v{n}.md", BODY + f"第 {n} 期。")
    (_one, _two, last) = near(ws)["content/v0.md"]
    assert last.endswith("(and 2 more)")
