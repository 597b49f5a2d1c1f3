"""Property test over `publisher import`: a blog folder (Hexo, Hugo, Jekyll or plain) whose posts have any
file name and any front matter imports, or is reported post by post, never with an internal error."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from hypothesis import assume, example, given
from hypothesis import strategies as st
from support.inputs import AWKWARD, AWKWARD_TEXT, VALUES, is_internal_error, with_tmp, yaml_text
from tests.conftest import WS
from tests.test_cli import cli
from tests.test_import import BLOGGY

LAYOUTS = {
    "hexo": (("_config.yml", "title: b\n"), "source/_posts"),
    "hugo": (("hugo.toml", 'title = "b"\n'), "content/posts"),
    "jekyll": (("_config.yml", "title: b\n"), "_posts"),
    "plain": (None, "."),
}
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        key: VALUES | AWKWARD_TEXT
        for key in (
            "title",
            "date",
            "updated",
            "tags",
            "categories",
            "cover",
            "images",
            "description",
            "draft",
        )
    },
)
NAMES = st.one_of(
    st.lists(AWKWARD | st.text(min_size=1, max_size=4), min_size=1, max_size=5).map("".join),
    st.builds(
        "{:04d}-{:02d}-{:02d}-{}".format,
        st.integers(0, 9999),
        st.integers(0, 99),
        st.integers(0, 99),
        AWKWARD_TEXT,
    ),
)


def _toml(fields: dict[str, Any]) -> str:
    out = []
    for key, value in fields.items():
        text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        out.append(f'{key} = "{"".join(c if c.isprintable() else " " for c in text)}"')
    return "\n".join(out) + "\n"


@with_tmp(20)
@given(
    kind=st.sampled_from(sorted(LAYOUTS)),
    name=NAMES,
    fields=FIELDS,
    toml=st.booleans(),
    body=BLOGGY,
)
@example(kind="jekyll", name="2026-13-45-x", fields={}, toml=False, body="")
@example(kind="hexo", name="x", fields={"cover": "x" * 300}, toml=False, body="")
@example(kind="plain", name="x", fields={"images": ["a\x00.png"]}, toml=False, body="![a](b\x00.png)\n")
@example(kind="plain", name="[/bold]\u202e", fields={"title": "[red]"}, toml=False, body="# [/bold]\n")
def test_any_blog_post_imports_or_is_reported(
    ws: WS, tmp_path: Path, kind: str, name: str, fields: dict[str, Any], toml: bool, body: str
) -> None:
    blog = tmp_path / "blog"
    shutil.rmtree(blog, ignore_errors=True)
    shutil.rmtree(ws.root / "content" / "blog", ignore_errors=True)
    config, posts = LAYOUTS[kind]
    (blog / posts).mkdir(parents=True)
    if config:
        (blog / config[0]).write_text(config[1], encoding="utf-8")
    front = f"+++\n{_toml(fields)}+++\n" if toml else f"---\n{yaml_text(fields)}---\n"
    name = name.replace("/", "_").replace("\x00", "_")
    try:
        (blog / posts / f"{name}.md").write_text(front + body, encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        assume(False)
    for extra in ([], ["--json", "--lang", "en"]):
        ran = cli("import", str(blog), "-w", str(ws.root), "--into", "blog", "--dry-run", *extra)
        assert ran.returncode in (0, 1), ran
        assert not is_internal_error(ran.stderr + ran.stdout), ran
