"""`check`: every bad input named by file, line and field, with a hint; never a traceback;
valid targets still go."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image
from tests.conftest import WS

from publisher.calendar.check import check_workspace
from publisher.calendar.load import Calendar

GOOD = """
---
id: launch
title: 效率神器上线｜3 步搞定周报
publish_at: 2026-12-01 12:00
status: ready
tags: [效率工具, AI]
images: [media/a.png, media/b.png]
platforms:
  xiaohongshu: {}
  douyin: {caption: "30 秒看懂"}
  wechat: {author: 运营小王, digest: "一篇讲清楚", cover: media/cover.png}
  producthunt: {name: WeeklyPilot, tagline: "Weekly reports in 3 steps", publish_at: 2026-12-02 00:01 America/Los_Angeles}
---
正文第一段，介绍 [我们的网站](https://example.com/page)。

- 第一步
- 第二步
"""  # noqa: E501 (the YAML line is the fixture)


LONG_TAG = "一二三四五六七八九十" * 2 + "😀"


def run_check(ws: WS) -> dict[str, list[str]]:
    result = check_workspace(ws.open())
    by_file: dict[str, list[str]] = {}
    for p in result.problems:
        by_file.setdefault(p.path, []).append(p.format())
    return by_file


def test_check_valid_item_passes_for_all_four_platforms(ws: WS) -> None:
    ws.item("launch.md", GOOD)
    result = check_workspace(ws.open())
    assert result.errors == [], [p.format() for p in result.errors]
    (checked,) = result.checked
    assert {p for p, _ in checked.valid_targets} == {"xiaohongshu", "douyin", "wechat", "producthunt"}
    ph = next(t for t in checked.item.targets if t.platform == "producthunt")
    assert ph.publish_at.isoformat() == "2026-12-02T08:01:00+00:00"  # PST is UTC-8 in December


def test_check_one_invalid_platform_does_not_block_the_other_three(ws: WS) -> None:
    ws.item("launch.md", GOOD.replace('tagline: "Weekly reports in 3 steps"', 'tagline: "' + "x" * 61 + '"'))
    result = check_workspace(ws.open())
    (checked,) = result.checked
    assert {p for p, _ in checked.valid_targets} == {"xiaohongshu", "douyin", "wechat"}
    (problem,) = result.errors
    assert problem.platform == "producthunt" and problem.field == "tagline"
    assert problem.line == 12  # the producthunt override line
    assert "61" in problem.message and "60" in problem.message


BAD_INPUTS = [
    # (file text or bytes, expected substring of `path:line: field: message`)
    ("", "content/bad.md:1: file: the file is empty"),
    (b"\xff\xfe\x00bad", "content/bad.md:1: file: not UTF-8"),
    ("just a body\n", "content/bad.md:1: front matter: the file does not start with a `---`"),
    ("---\ntitle: x\n", "content/bad.md:1: front matter: the front matter block is never closed"),
    ("---\ntitle: [unclosed\n---\nbody\n", "content/bad.md:3: front matter: invalid YAML"),
    (
        "---\ntitle: !!python/object/apply:os.system [ls]\nplatforms: [wechat]\n---\n",
        "content/bad.md:2: title: YAML tag !!python/object/apply:os.system is not allowed",
    ),
    ("---\ntitle: a\ntitle: b\nplatforms: [wechat]\n---\n", "content/bad.md:3: title: `title` is set twice"),
    (
        "---\ntitle: 标题\nplatfroms: [wechat]\n---\nbody\n",
        "content/bad.md:3: platfroms: unknown field `platfroms` (hint: did you mean `platforms`?)",
    ),
    (
        "---\ntitle: 标题\nplatforms: [wechatt]\n---\nbody\n",
        "content/bad.md:3: platforms.wechatt: unknown platform or account `wechatt` "
        "(hint: did you mean `wechat`?)",
    ),
    (
        "---\ntitle: 标题\nplatforms:\n  wechat: {auther: me}\n---\nbody\n",
        "content/bad.md:4: platforms.wechat.auther: [wechat] `auther` is not a field of wechat "
        "(hint: did you mean `author`?)",
    ),
    ("---\ntitle: [1, 2]\nplatforms: [wechat]\n---\nbody\n", "content/bad.md:2: title: `title` must be text"),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/missing.png]\n---\nbody\n",
        "content/bad.md:4: images[0]: 'media/missing.png' does not exist",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [../../etc/passwd]\n---\nbody\n",
        "content/bad.md:4: images[0]: '../../etc/passwd' points outside the workspace",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [/etc/hosts]\n---\nbody\n",
        "content/bad.md:4: images[0]: '/etc/hosts' is an absolute path",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nappsecret: abc\n---\nbody\n",
        "content/bad.md:4: appsecret: `appsecret` looks like a secret",
    ),
    (
        "---\ntitle: x\nplatforms:\n  wechat: {access_token: abc}\n---\nbody\n",
        "content/bad.md:4: platforms.wechat.access_token: `access_token` looks like a secret",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/a.png]\n"
        "publish_at: 2026-13-01 10:00\n---\nbody\n",
        "content/bad.md:5: publish_at: [xiaohongshu] not a real date/time",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/a.png]\n"
        "publish_at: next tuesday\n---\nbody\n",
        "content/bad.md:5: publish_at: [xiaohongshu] cannot read 'next tuesday' as a time",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/a.png]\n"
        "publish_at: 2027-03-28 02:30 Europe/Berlin\n---\nbody\n",
        "content/bad.md:5: publish_at: [xiaohongshu] 2027-03-28 02:30 does not exist in Europe/Berlin",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/a.png]\n"
        "publish_at: 2026-11-01 01:30 America/Los_Angeles\n---\nbody\n",
        "content/bad.md:5: publish_at: [xiaohongshu] 2026-11-01 01:30 occurs twice in America/Los_Angeles",
    ),
    (
        "---\ntitle: 这是一个超级超级超级超级超级超级长的小红书标题啊\n"
        "platforms: [xiaohongshu]\nimages: [media/a.png]\n---\nbody\n",
        "content/bad.md:2: title: [xiaohongshu] title is 24 (counted as 小红书 does: each CJK character 1, "
        "each emoji outside the BMP 2, two ASCII characters 1, rounded up)",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\n---\nbody\n",
        "content/bad.md:3: images: [xiaohongshu] 小红书 needs one of: images or video",
    ),
    (
        f"---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/a.png]\ntags: [{LONG_TAG}]\n---\nbody\n",
        f"content/bad.md:5: tags: [xiaohongshu] tag '{LONG_TAG}' is 21 characters "
        "(Unicode code points: a CJK character or most emoji 1, a joined emoji like 👨‍👩‍👧 one per part); "
        "小红书 allows at most 20",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/a.png]\nstatus: published\n---\nbody\n",
        "content/bad.md:5: status: status must be one of draft, ready",
    ),
    (
        '---\ntitle: "{{ config.__class__ }}"\nplatforms: [xiaohongshu]\nimages: [media/a.png]\n---\nbody\n',
        "content/bad.md:2: title: [xiaohongshu] contains template code",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/a.png]\n---\n{% asset_img a.png 冬日 %}\n",
        "`{% asset_img … %}` is a blog generator's tag (Hexo/Jekyll): write it as Markdown",
    ),
    (
        "---\ntitle: x\nplatforms: [producthunt]\nimages: [media/a.png]\n---\nbody\n",
        "content/bad.md:3: name: [producthunt] Product Hunt needs a name",
    ),
    (
        "---\ntitle：冬日\nplatforms: [xiaohongshu]\nimages: [media/a.png]\n---\nbody\n",
        "content/bad.md:2: title: full-width colon ：— use : followed by a space",
    ),
    (
        "---\nplatforms: [xiaohongshu]\nimages: [media/a.png]\ntitle:冬日\n---\nbody\n",
        "content/bad.md:4: title: no space after the colon in `title:` — use : followed by a space",
    ),
    (
        "---\ntitle: 冬日\nplatforms:\n\t- xiaohongshu\nimages: [media/a.png]\n---\nbody\n",
        "content/bad.md:4: front matter: a tab on line 4",
    ),
    (
        "---\ntitle: 冬日\nplatforms: [xiaohongshu]\nimages: [media/a.png]\n"
        "tags: [效率工具，打工人]\n---\nbody\n",
        "content/bad.md:5: tags[0]: '效率工具，打工人' became one entry of `tags`: "
        "a full-width comma ， does not separate list items "
        "(hint: use an ASCII comma and a space: [效率工具, 打工人])",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [https://img.example.cn/a.png]\n---\nbody\n",
        "content/bad.md:4: images[0]: 'https://img.example.cn/a.png' is a remote image (a URL); check and "
        "publishing use only files in the workspace (hint: download it into content/media/",
    ),
    (
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/a.png]\ntags: [Spring Boot]\n---\nbody\n",
        "content/bad.md:5: tags: [xiaohongshu] tag 'Spring Boot' has a space: "
        "on 小红书 the #topic ends at the space (hint: write it as SpringBoot or Spring_Boot)",
    ),
    (  # "billion laughs": 463 bytes that expand to 9**8 values if aliases are followed blindly
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/a.png]\n"
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(
            f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefg", "bcdefgh", strict=True)
        )
        + "---\nbody\n",
        "front matter expands to more than 10,000 values (YAML aliases",
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), BAD_INPUTS, ids=[e[1].split(": ", 2)[-1][:40] for e in BAD_INPUTS]
)
def test_check_bad_input_is_named_by_file_line_and_field(ws: WS, text: str | bytes, expected: str) -> None:
    path = ws.root / "content" / "bad.md"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    ws.item("good.md", GOOD)
    problems = run_check(ws)
    assert any(expected in line for line in problems.get("content/bad.md", [])), problems
    good = [p for p in check_workspace(ws.open()).errors if p.path == "content/good.md"]
    assert not good, "one bad file must not affect another"


def test_check_accepts_platform_names_as_people_write_them(ws: WS) -> None:
    ws.item(
        "alias.md",
        "---\ntitle: 冬日\nimages: [media/a.png]\nplatforms:\n  小红书: {}\n"
        "  公众号: {cover: media/cover.png}\n  抖音: {caption: 冬日}\n"
        "  Product Hunt: {name: Winter, tagline: Winter}\n---\nbody\n",
    )
    result = check_workspace(ws.open())
    (checked,) = result.checked
    assert checked.item is not None
    assert [t.platform for t in checked.item.targets] == ["xiaohongshu", "wechat", "douyin", "producthunt"]
    assert checked.item.lines["platforms.wechat.cover"] == 6
    ws.item("list.md", "---\ntitle: 冬日\nimages: [media/a.png]\nplatforms: [微信公众号, 微博]\n---\nbody\n")
    (alias, listed) = check_workspace(ws.open()).checked
    assert listed.item is not None
    assert [t.platform for t in listed.item.targets] == ["wechat", "weibo"]


def test_a_workspace_adds_its_own_names_for_a_platform_in_platform_yaml(ws: WS) -> None:
    """The names come from each platform.yaml (its label and `aliases:`), so a team adds its own."""
    import shutil

    from publisher.workspace.settings import DEFAULTS_DIR

    folder = ws.root / "platforms" / "xiaohongshu"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "xiaohongshu", folder)
    rules = folder / "platform.yaml"
    text = rules.read_text(encoding="utf-8")
    rules.write_text(text.replace("aliases: [", "aliases: [红薯, "), encoding="utf-8")
    ws.item("own.md", "---\ntitle: 冬日\nimages: [media/a.png]\nplatforms: [红薯, 公众号]\n---\nbody\n")
    (checked,) = check_workspace(ws.open()).checked
    assert checked.item is not None
    assert [t.platform for t in checked.item.targets] == ["xiaohongshu", "wechat"]


def test_wechat_cover_comes_from_the_first_body_image_and_remote_body_images_are_refused(ws: WS) -> None:
    ws.item("art.md", "---\ntitle: 冬日\nplatforms: [wechat]\n---\n正文\n\n![图](media/b.png)\n")
    ws.item("none.md", "---\ntitle: 冬日\nplatforms: [wechat]\n---\n正文\n")
    ws.item(
        "remote.md",
        "---\ntitle: 冬日\nplatforms: [wechat]\n---\n正文\n\n![图](https://img.example.cn/b.png)\n",
    )
    result = check_workspace(ws.open())
    errors = {p.path: p.format() for p in result.errors}
    assert "content/art.md" not in errors, errors
    assert "needs at least 1 cover" in errors["content/none.md"]
    remote = [p.format() for p in result.errors if p.path == "content/remote.md"]
    assert any("is a remote image" in e and "download it into content/media/" in e for e in remote), remote
    calendar = Calendar(ws.open())
    checked = next(c for c in calendar.scan()[0] if c.path == "content/art.md")
    assert checked.item is not None
    post, _ = calendar.renderer.render(checked.item, checked.item.targets[0])
    assert post is not None and {m.role for m in post.media} == {"images", "cover"}
    assert next(m for m in post.media if m.role == "cover").source == "content/media/b.png"


def test_check_symlinked_media_is_refused(ws: WS, tmp_path: Path) -> None:
    outside = tmp_path / "outside.png"
    Image.new("RGB", (100, 100)).save(outside)
    os.symlink(outside, ws.root / "content" / "media" / "link.png")
    inside_link = ws.root / "content" / "media" / "inside-link.png"
    os.symlink(ws.root / "content" / "media" / "a.png", inside_link)
    ws.item(
        "x.md",
        "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/link.png, media/inside-link.png]\n"
        "---\nbody\n",
    )
    lines = run_check(ws)["content/x.md"]
    assert any("images[0]: 'media/link.png' points outside the workspace" in line for line in lines), lines
    assert any(
        "images[1]: 'media/inside-link.png' is (or passes through) a symbolic link" in line for line in lines
    )


def test_check_not_an_image_and_a_bomb(ws: WS) -> None:
    (ws.root / "content" / "media" / "fake.png").write_text("not an image")
    bomb = ws.root / "content" / "media" / "bomb.png"
    Image.new("1", (12000, 12000)).save(bomb)  # 144 MP, a few KB on disk
    ws.item(
        "x.md", "---\ntitle: x\nplatforms: [xiaohongshu]\nimages: [media/fake.png, media/bomb.png]\n---\nb\n"
    )
    lines = run_check(ws)["content/x.md"]
    assert any("images[0]: [xiaohongshu] media/fake.png: not an image" in line for line in lines), lines
    assert any("images[1]: [xiaohongshu] media/bomb.png: image is 12000×12000" in line for line in lines), (
        lines
    )


def test_check_duplicate_ids_are_reported_on_both_files(ws: WS) -> None:
    ws.item("one.md", GOOD)
    ws.item("two.md", GOOD)
    problems = run_check(ws)
    assert any(
        "content/one.md:2: id: id 'launch' is also used by content/two.md" in p
        for p in problems["content/one.md"]
    )
    assert any("is also used by content/one.md" in p for p in problems["content/two.md"])


def test_rescan_reparses_only_the_edited_file(ws: WS) -> None:
    for i in range(5):
        ws.item(f"i{i}.md", GOOD.replace("id: launch", f"id: launch-{i}"))
    cal = Calendar(ws.open())
    _, changed = cal.scan()
    assert len(changed) == 5
    _, changed = cal.scan()
    assert changed == set()
    edited = ws.item("i3.md", GOOD.replace("id: launch", "id: launch-3").replace("正文第一段", "改过的正文"))
    os.utime(edited, ns=(1, 2))  # a different mtime even on coarse file systems
    _, changed = cal.scan()
    assert changed == {"content/i3.md"}
    (ws.root / "content" / "i1.md").unlink()
    _, changed = cal.scan()
    assert changed == {"content/i1.md"}


def test_editing_media_changes_the_item_hash(ws: WS) -> None:
    ws.item("launch.md", GOOD)
    cal = Calendar(ws.open())
    (first,), _ = cal.scan()
    Image.new("RGB", (1080, 1440), "#00ff00").save(ws.root / "content" / "media" / "a.png")
    os.utime(ws.root / "content" / "media" / "a.png", ns=(5, 5))
    (second,), changed = cal.scan()
    assert changed == {"content/launch.md"}
    assert first.item.hash != second.item.hash


WECHAT_ONLY = """
---
id: post
title: 一篇文章
publish_at: 2026-12-01 12:00
status: ready
images: [media/a.png]
platforms:
  wechat: {{cover: media/cover.png{digest}}}
---
{body}
"""


def _wechat(ws: WS, body: str, digest: str = "") -> list[str]:
    ws.item("post.md", WECHAT_ONLY.format(body=body, digest=digest))
    return [f"{p.severity}: {p.format()}" for p in check_workspace(ws.open()).problems]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("用 `std::list<OSDPerfMetricQuery>` 存", None),
        ("std::list<OSDPerfMetricQuery> 也是文字", None),
        ("栈里是 `(<anonymous>)`，或者 (<anonymous>)", None),
        ("```js\nat f (<anonymous>)\nel.innerHTML = '<script>'\n```", None),
        ("提到 `<script>` 标签", None),
        ("摘要\n\n<!--more-->\n\n正文", None),
        ("| a | b |\n|-|-|\n| x<br>y | z |", None),
        (
            '<div align="center">居中</div>',
            "warning: content/post.md:10: body: [wechat] raw HTML <div> will show as text",
        ),
        ("<!-- 草稿备注 -->", "warning: content/post.md:10: body: [wechat] the HTML comment"),
        ("<script>alert(1)</script>", "error: content/post.md:10: body: [wechat] raw HTML '<script>"),
        ('<img src="x.png" onerror="alert(1)">', "error: content/post.md:10: body: [wechat] raw HTML '<img"),
    ],
)
def test_raw_html_is_judged_by_what_renders(ws: WS, body: str, expected: str | None) -> None:
    problems = [p for p in _wechat(ws, body) if "body" in p]
    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and expected in problems[0], problems


def test_content_length_counts_text_and_says_how_much_text_to_cut(ws: WS) -> None:
    body = "\n\n".join("**重点**" + "文字" * 499 for _ in range(21))  # 21,000 text, far more HTML
    problems = [p for p in _wechat(ws, body) if "content" in p]
    assert len(problems) == 1, problems
    assert "21,000 characters of text" in problems[0] and "at most 19,999" in problems[0]
    assert "cut 1,001 or more characters of text" in problems[0]
    # markup is not counted: 19,000 characters of text in far more HTML passes
    assert [
        p for p in _wechat(ws, "\n\n".join("**重点**" + "文字" * 499 for _ in range(19))) if "content" in p
    ] == []


def test_a_scans_remembered_media_folders_give_the_same_answers_as_the_full_checks(
    ws: WS, tmp_path: Path
) -> None:
    """The quick path (one lstat for a plain file in a folder already found plain) answers exactly as the
    full checks do, for plain files and for every kind of link, missing file and wrong type."""
    from publisher.content.item import Folders, resolve_media

    media = ws.root / "content" / "media"
    outside = tmp_path / "outside"
    outside.mkdir()
    Image.new("RGB", (100, 100)).save(outside / "o.png")
    (media / "deep").mkdir()
    Image.new("RGB", (100, 100)).save(media / "deep" / "d.png")
    os.symlink(media, ws.root / "content" / "linked")  # a folder link inside the workspace
    os.symlink(outside, ws.root / "content" / "away")  # a folder link leading out
    os.symlink(media / "a.png", media / "file-link.png")
    (media / "notes.txt").write_text("x")
    (media / "folder.png").mkdir()
    (ws.root / "content" / "sub").mkdir()
    os.symlink(ws.root / "content" / "sub", ws.root / "content" / "sub-link")
    refs = [
        "media/a.png", "media/deep/d.png", "linked/a.png", "away/o.png", "media/file-link.png",
        "media/missing.png", "media/notes.txt", "media/folder.png", "../content/media/a.png",
        "./media/a.png", "media/./b.png", "media//b.png", "media/A.PNG", "a.png",
    ]  # fmt: skip
    items = [ws.root / "content" / "x.md", ws.root / "content" / "sub" / "y.md"]
    items.append(ws.root / "content" / "sub-link" / "z.md")
    folders: Folders = {}
    for _ in range(2):  # the second round answers from the remembered folders
        for item in items:
            for ref in refs + [f"../{r}" for r in refs]:
                expected = resolve_media(ref, item, ws.root)
                assert resolve_media(ref, item, ws.root, folders) == expected, (ref, item)
