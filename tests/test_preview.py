"""HTML previews: a self-contained page per target, the media as sent, escaping, problems on the index."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
from pathlib import Path

import pytest
from markupsafe import escape
from PIL import Image

from publisher.calendar.load import Calendar, Checked
from publisher.calendar.preview import PreviewSet, preview_dir, safe_name, write_previews
from publisher.models import Problem
from publisher.platforms.rules import count_length
from publisher.workspace.settings import DEFAULTS_DIR, Workspace, open_workspace

HOSTILE = "<script>alert(1)</script><b>b</b>"

ITEM = """---
id: launch-day
title: 效率神器上线｜3 步搞定周报
publish_at: 2026-12-01 12:00
tags: [效率工具, AI]
images: [media/step1.png, media/step2.png]
platforms:
  xiaohongshu: {}
  douyin: {caption: "30 秒看懂"}
  wechat: {author: 运营小王, digest: 一篇讲清楚, cover: media/cover.png}
  producthunt:
    {name: WeeklyPilot, tagline: Weekly reports in 3 steps, thumbnail: media/thumb.png,
     gallery: [media/g1.png]}
---
写周报是不是每周五的噩梦？

我们做了周报助手：3 步生成一份像样的周报。

![第一步](media/step1.png)

详情见 [官网](https://example.com/weeklypilot)。
"""


def _image(path: Path, size: tuple[int, int], color: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)


@pytest.fixture()
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    (root / "content").mkdir(parents=True)
    (root / "publisher.toml").write_text('[workspace]\ntimezone = "Asia/Shanghai"\n', encoding="utf-8")
    media = root / "content" / "media"
    _image(media / "step1.png", (300, 400), "#4f46e5")
    _image(media / "step2.png", (300, 400), "#10b981")
    _image(media / "cover.png", (940, 400), "#f59e0b")
    _image(media / "thumb.png", (240, 240), "#ef4444")
    _image(media / "g1.png", (635, 380), "#0ea5e9")
    (root / "content" / "launch.md").write_text(ITEM, encoding="utf-8")
    return open_workspace(root, env={})


def _write(ws: Workspace, name: str, text: str) -> None:
    (ws.content_dir / name).write_text(text, encoding="utf-8")


def _run(
    ws: Workspace, path: str = "content/launch.md", **kw: object
) -> tuple[PreviewSet, Calendar, Checked]:
    cal = Calendar(ws)
    checked = {c.path: c for c in cal.scan()[0]}[path]
    return write_previews(ws, checked, cal.renderer, **kw), cal, checked  # type: ignore[arg-type]


def _attrs(html: str, name: str) -> list[str]:
    return re.findall(rf'\s{name}\s*=\s*"([^"]*)"', html)


def test_one_page_per_target_with_the_rendered_text(ws: Workspace) -> None:
    result, cal, checked = _run(ws)
    assert result.problems == ()
    assert set(result.pages) == {
        "xiaohongshu:xiaohongshu",
        "douyin:douyin",
        "wechat:wechat",
        "producthunt:producthunt",
    }
    assert result.index == ws.state_dir / "previews" / "launch-day" / "index.html"
    assert all(p.parent == result.index.parent and p.is_file() for p in result.pages.values())
    item = checked.item
    assert item is not None
    posts = {f"{t.platform}:{t.account}": cal.renderer.render(item, t)[0] for t in item.targets}
    pages = {k: p.read_text(encoding="utf-8") for k, p in result.pages.items()}

    xhs = posts["xiaohongshu:xiaohongshu"].fields  # type: ignore[union-attr]
    assert str(escape(xhs["title"])) in pages["xiaohongshu:xiaohongshu"]
    note = pages["xiaohongshu:xiaohongshu"]
    assert "写周报是不是每周五的噩梦？\n\n我们做了周报助手" in note  # line breaks kept
    assert '<span class="topic">#效率工具</span>' in note
    assert '<span class="xhs-count">1/2</span>' in note

    douyin = pages["douyin:douyin"]
    assert "30 秒看懂" in douyin and '<span class="topic">#AI</span>' in douyin

    wechat = posts["wechat:wechat"].fields  # type: ignore[union-attr]
    assert "运营小王" in pages["wechat:wechat"] and "一篇讲清楚" in pages["wechat:wechat"]
    assert "阅读原文" in pages["wechat:wechat"]
    first_p = re.search(r"<p[^>]*>.*?</p>", wechat["content"]).group(0)  # type: ignore[union-attr]
    assert first_p in pages["wechat:wechat"]  # the sanitised article HTML, not escaped

    ph = posts["producthunt:producthunt"].fields  # type: ignore[union-attr]
    for key in ("name", "tagline", "description", "first_comment"):
        assert str(escape(ph[key])) in pages["producthunt:producthunt"], key
    assert "UPVOTE" in pages["producthunt:producthunt"]

    index = result.index.read_text(encoding="utf-8")
    for key, page in result.pages.items():
        assert f'href="{page.name}"' in index, key
    assert "content/launch.md" in index and "launch-day" in index
    assert "2026-12-01 12:00 (Asia/Shanghai)" in index


def test_media_is_local_and_identical_to_what_is_sent(ws: Workspace) -> None:
    result, cal, checked = _run(ws)
    folder = result.index.parent
    sent = {}
    for target in checked.item.targets:  # type: ignore[union-attr]
        post, _ = cal.renderer.render(checked.item, target)  # type: ignore[arg-type]
        for m in post.media:  # type: ignore[union-attr]
            sent[Path(m.path).name] = m
    assert sent
    for name, m in sent.items():
        copy = folder / "media" / name
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == m.sha256
    for page in [result.index, *result.pages.values()]:
        html = page.read_text(encoding="utf-8")
        for src in _attrs(html, "src"):
            assert not re.match(r"^[a-z]+:|^/", src, re.I), (page.name, src)
            assert (folder / src).is_file(), (page.name, src)
    wechat = result.pages["wechat:wechat"].read_text(encoding="utf-8")
    body_images = [m for m in sent.values() if m.role == "images" and m.source.endswith("step1.png")]
    assert any(f'src="media/{Path(m.path).name}"' in wechat for m in body_images)  # the article's own image


def test_pages_load_nothing_from_the_network(ws: Workspace) -> None:
    result, _, _ = _run(ws)
    for page in [result.index, *result.pages.values()]:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower() and "<link" not in html.lower() and "@import" not in html
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
        for value in _attrs(html, "src") + _attrs(html, "href") + _attrs(html, "poster"):
            assert not re.match(r"^\s*(https?:|//|javascript:)", value, re.I), (page.name, value)
        assert "default-src 'none'" in html  # the browser refuses anything else, too


def test_character_counts_and_media_sizes_are_shown(ws: Workspace) -> None:
    result, cal, checked = _run(ws)
    html = result.pages["xiaohongshu:xiaohongshu"].read_text(encoding="utf-8")
    rule = ws.rules["xiaohongshu"].text["title"]
    row = re.search(r'title <span class="muted">\(xhs\)</span></td>\s*<td class="num ok">(\d+)', html)
    assert row and int(row.group(1)) == count_length("效率神器上线｜3 步搞定周报", "xhs")
    assert f'<td class="num">{rule.max}</td>' in html
    post, _ = cal.renderer.render(checked.item, checked.item.targets[0])  # type: ignore[union-attr,arg-type]
    for m in post.media:  # type: ignore[union-attr]
        assert f"{m.width}×{m.height}" in html and f">{m.bytes}<" in html


def test_hostile_text_is_shown_as_text(ws: Workspace) -> None:
    _write(
        ws,
        "evil.md",
        f"---\ntitle: '{HOSTILE}'\nimages: [media/step1.png]\n"
        "platforms: [xiaohongshu, douyin]\n---\nbody <img src=x onerror=alert(1)> end\n",
    )
    result, _, _ = _run(ws, "content/evil.md")
    assert set(result.pages) == {"xiaohongshu:xiaohongshu", "douyin:douyin"}
    for page in [result.index, *result.pages.values()]:
        html = page.read_text(encoding="utf-8")
        assert "<script>" not in html and "<b>b</b>" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(" in html
    xhs = result.pages["xiaohongshu:xiaohongshu"].read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in xhs


def test_a_target_that_cannot_render_is_listed_in_red_on_the_index(ws: Workspace) -> None:
    _write(
        ws,
        "half.md",
        "---\ntitle: 半成品\nimages: [media/step1.png]\nplatforms: [xiaohongshu, producthunt]\n---\n正文\n",
    )
    result, _, checked = _run(ws, "content/half.md")
    assert set(result.pages) == {"xiaohongshu:xiaohongshu"}
    problems = [p for p in result.problems if p.platform == "producthunt"]
    assert {p.field for p in problems} >= {"name", "tagline"}
    index = result.index.read_text(encoding="utf-8")
    assert "无法生成预览" in index and 'class="pv-error"' in index  # the page's own words: Chinese by default
    assert "1 个预览" in index and "1 个无法生成" in index and "Cannot render" not in index
    for p in problems:
        # in the workspace's language (Chinese unless publisher.toml says "en")
        assert f"<code>{p.path}:{p.line}</code>: {p.field}: {escape(p.text('zh'))}" in index
    assert "hint:" not in index and any(p.hint for p in problems)
    assert not any(p.name.startswith("producthunt") for p in result.index.parent.glob("*.html"))
    ws.settings = dataclasses.replace(ws.settings, language="en")  # language = "en" (or --lang en)
    english = _run(ws, "content/half.md")[0].index.read_text(encoding="utf-8")
    assert "Cannot render" in english and "1 preview(s)" in english and "(hint: " in english
    assert '<html lang="en">' in english and "无法生成预览" not in english


def test_platform_filter_and_a_rerun_leave_nothing_stale(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first, _, _ = _run(ws, out_root=out)
    assert first.index == out / "launch-day" / "index.html" and len(first.pages) == 4
    second, _, _ = _run(ws, platforms={"wechat"}, out_root=out)
    assert list(second.pages) == ["wechat:wechat"]
    assert sorted(p.name for p in second.index.parent.glob("*.html")) == ["index.html", "wechat-wechat.html"]
    kept = {p.name for p in (second.index.parent / "media").iterdir()}
    html = second.pages["wechat:wechat"].read_text(encoding="utf-8")
    assert kept == {s.split("/", 1)[1] for s in _attrs(html, "src")}  # only the media this page uses


def test_folder_names_never_leave_the_previews_folder(ws: Workspace) -> None:
    assert preview_dir(ws, "notes/week-1").name == "notes__week-1"
    assert preview_dir(ws, "..").parent == ws.state_dir / "previews"
    assert safe_name("a/../b") == "a_.._b" and not safe_name(".hidden").startswith(".")


def test_an_unreadable_file_gets_an_index_with_its_problem(ws: Workspace) -> None:
    cal = Calendar(ws)
    bad = Problem("content/broken.md", 3, "title", "title must be text")
    result = write_previews(ws, Checked("content/broken.md", None, (bad,), frozenset()), cal.renderer)
    assert result.pages == {} and result.problems == (bad,)
    assert "content/broken.md:3</code>: title: title must be text" in result.index.read_text(encoding="utf-8")


def test_workspace_preview_templates_override_and_stay_sandboxed(ws: Workspace) -> None:
    mine = ws.platforms_dir / "xiaohongshu"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "xiaohongshu", mine)
    (mine / "preview.html.j2").write_text(
        '{% extends "preview_layout.html.j2" %}{% block mock %}MY OWN {{ fields.title }}{% endblock %}',
        encoding="utf-8",
    )
    shutil.copytree(DEFAULTS_DIR / "platforms" / "douyin", ws.platforms_dir / "douyin")
    hostile = "{{ fields.__class__.__mro__ }}"
    (ws.platforms_dir / "douyin" / "preview.html.j2").write_text(hostile, encoding="utf-8")
    ws = open_workspace(ws.root, env={})
    result, _, _ = _run(ws)
    assert "MY OWN 效率神器上线" in result.pages["xiaohongshu:xiaohongshu"].read_text(encoding="utf-8")
    assert "wechat:wechat" in result.pages  # the packaged template is used where the workspace has none
    assert "douyin:douyin" not in result.pages
    stopped = [p for p in result.problems if p.platform == "douyin"]
    assert stopped and stopped[0].field == "preview" and "preview.html.j2" in stopped[0].message


CODE_ITEM = """---
id: code
title: 代码
publish_at: 2026-12-01 12:00
platforms:
  wechat: {cover: media/cover.png}
---
```python
def f():
    return 1
```
"""


def _stored_block(page: str) -> str:
    found = re.search(r'<details class="wx-stored"[^>]*>(.*?)</details>', page, re.S)
    assert found, "the page offers the article as WeChat will show it"
    return found.group(1)


def test_the_wechat_page_shows_the_article_as_the_draft_box_keeps_it(ws: Workspace) -> None:
    _write(ws, "code.md", CODE_ITEM)
    result, _, _ = _run(ws, "content/code.md")
    stored = _stored_block(result.pages["wechat:wechat"].read_text(encoding="utf-8"))
    assert "as WeChat will show it" in stored and "与发送的相同" in stored
    code = re.sub(r"<[^>]+>", "", re.sub(r"<br>", "\n", stored[stored.index("<pre") :]))
    assert code.startswith("def f():\n&nbsp;&nbsp;&nbsp;&nbsp;return 1")  # two lines, the indent kept


def test_a_workspace_template_whose_code_wechat_would_collapse_is_flagged(ws: Workspace) -> None:
    """A workspace article template laying code out with raw newlines: the page says WeChat will change it."""
    mine = ws.platforms_dir / "wechat"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "wechat", mine)
    (mine / "article.html.j2").write_text(
        "{{ body_html }}<pre>{{ title }}\n    缩进\n</pre>", encoding="utf-8"
    )
    ws = open_workspace(ws.root, env={})
    _write(ws, "code.md", CODE_ITEM)
    result, _, _ = _run(ws, "content/code.md")
    page = result.pages["wechat:wechat"].read_text(encoding="utf-8")
    stored = _stored_block(page)
    assert "与发送的不同" in stored and "content" in stored and '<details class="wx-stored" open>' in page
    assert "<pre>代码 缩进</pre>" in stored  # what the draft box keeps: one line, the indentation gone


def test_the_preview_bar_says_when_and_how_in_the_workspace_language(ws: Workspace) -> None:
    """The bar above each preview: not scheduled, an automatic slot, and the account's mode, in Chinese by
    default and in English with language = "en" (it said "not scheduled" and "dry-run" to everyone)."""
    _write(
        ws,
        "later.md",
        ITEM.replace("id: launch-day", "id: later").replace("publish_at: 2026-12-01 12:00\n", ""),
    )
    _write(ws, "slot.md", ITEM.replace("id: launch-day", "id: slot").replace("2026-12-01 12:00", "slot"))
    later = _run(ws, "content/later.md")[0].pages["douyin:douyin"].read_text(encoding="utf-8")
    assert '<span class="pv-chip">未排期（没有 publish_at）</span>' in later
    assert '<span class="pv-chip">演示发送（dry-run，不发出）</span>' in later
    slot = _run(ws, "content/slot.md")[0].pages["douyin:douyin"].read_text(encoding="utf-8")
    assert '<span class="pv-chip">自动排期：下一个空档</span>' in slot
    toml = ws.root / "publisher.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + 'language = "en"\n', encoding="utf-8")
    english = open_workspace(ws.root, env={})
    later = _run(english, "content/later.md")[0].pages["douyin:douyin"].read_text(encoding="utf-8")
    assert '<span class="pv-chip">not scheduled (no publish_at)</span>' in later
    assert '<span class="pv-chip">dry-run (nothing is sent)</span>' in later


def test_the_side_panel_speaks_chinese_first(ws: Workspace) -> None:
    """Every heading and column of the limits/media panel leads with Chinese, English beside it, as the
    "what is cut or changed" heading does (a panel half in English read as unfinished)."""
    result, _, _ = _run(ws)
    html = result.pages["xiaohongshu:xiaohongshu"].read_text(encoding="utf-8")
    for heading in ("发出时会改动的地方", "字数与上限", "发出的媒体"):
        assert f"<h2>{heading} " in html or f'<h2 id="pv-changes">{heading} ' in html, heading
    assert "<th>字段 field</th>" in html and "<th>文件 file</th>" in html and "来自 content/" in html
    assert "<h2>Text vs limits</h2>" not in html and "<h2>Media as sent</h2>" not in html


def test_the_panel_says_whether_a_picture_was_cropped_padded_or_only_resized(ws: Workspace) -> None:
    """A 3:4 picture as WeChat's 2.35:1 cover is cropped, or with `fit: pad` kept whole on a band; a picture
    already of the cover's shape is only resized (the panel said "cropped/resized" for all three)."""
    shapes = {"crop": "", "pad": ", fit: pad"}
    for name, extra in shapes.items():
        text = ITEM.replace("id: launch-day", f"id: {name}").replace(
            "cover: media/cover.png", "cover: media/step1.png"
        )
        _write(ws, f"{name}.md", text.replace("digest: 一篇讲清楚,", f"digest: 一篇讲清楚{extra},"))
    cropped = _run(ws, "content/crop.md")[0].pages["wechat:wechat"].read_text(encoding="utf-8")
    padded = _run(ws, "content/pad.md")[0].pages["wechat:wechat"].read_text(encoding="utf-8")
    resized = _run(ws)[0].pages["wechat:wechat"].read_text(encoding="utf-8")
    assert "300×400 裁剪并缩放为" in cropped and "补纯色边" not in cropped
    assert "300×400 整张保留，补纯色边并缩放为" in padded and "(fit: pad)" in padded
    assert "940×400 缩放为 900×383" in resized and "940×400 裁剪" not in resized  # the same shape
