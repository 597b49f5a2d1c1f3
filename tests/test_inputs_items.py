"""Property tests over items as people and tools name and fill them: file names and ids with line breaks,
control characters, bidi marks, rich markup or great length; publish times, media references, `allow:` and
`declare:` of any shape. `publisher check` and `plan` report on them, never with a traceback."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from support.inputs import (
    AWKWARD,
    AWKWARD_TEXT,
    PUBLISH_AT,
    SCALARS,
    VALUES,
    is_internal_error,
    with_tmp,
    yaml_text,
)
from tests.conftest import WS
from tests.test_cli import cli

from publisher.calendar.check import check_workspace

ITEM_FIELDS = st.fixed_dictionaries(
    {
        "title": AWKWARD_TEXT | SCALARS,
        "platforms": st.just(["xiaohongshu"])
        | st.fixed_dictionaries(
            {"wechat": st.fixed_dictionaries({}, optional={"cover": AWKWARD_TEXT | VALUES})}
        )
        | VALUES,
    },
    optional={
        "id": AWKWARD_TEXT | SCALARS,
        "publish_at": PUBLISH_AT,
        "images": st.lists(
            AWKWARD_TEXT | st.sampled_from(["media/a.png", "../publisher.toml", "/etc/passwd"]), max_size=2
        )
        | VALUES,
        "cover": AWKWARD_TEXT | VALUES,
        "allow": st.lists(AWKWARD_TEXT | st.sampled_from(["最", "第一", "加微信"]), max_size=2) | VALUES,
        "declare": st.sampled_from(["ai_generated", "ai_assisted", "original", "AI", ""]) | VALUES,
        "tags": st.lists(AWKWARD_TEXT, max_size=3) | VALUES,
        "status": st.sampled_from(["ready", "draft", "published"]) | SCALARS,
        "late_window": SCALARS,
    },
)
FILE_NAMES = st.lists(AWKWARD | st.text(min_size=1, max_size=4), min_size=1, max_size=6).map("".join)


def _output_is_plain(ran: Any) -> None:
    assert ran.returncode in (0, 1), ran
    assert not is_internal_error(ran.stderr + ran.stdout), ran


@with_tmp(15)
@given(name=FILE_NAMES | st.just("a" * 200), fields=ITEM_FIELDS, body=AWKWARD_TEXT)
@example(name="[/bold]", fields={"title": "[/bold]", "platforms": ["xiaohongshu"], "id": "[/red]"}, body="")
@example(
    name="\u202eevil", fields={"title": "x", "platforms": ["xiaohongshu"], "images": ["\u202e.png"]}, body=""
)
@example(name="a\nb", fields={"title": "x", "platforms": ["xiaohongshu"]}, body="")
@example(name="x", fields={"title": None, "platforms": {"wechat": {"cover": 1}}}, body="")
@example(name="x", fields={"title": "t", "platforms": ["xiaohongshu"], "images": "x" * 300}, body="")
def test_any_item_name_and_fields_give_a_check_report_never_a_traceback(
    ws: WS, name: str, fields: dict[str, Any], body: str
) -> None:
    content = ws.root / "content"
    for old in content.glob("**/*.md"):
        old.unlink()
    name = name.replace("/", "_").replace("\x00", "_") or "_"
    try:
        path = content / f"{name}.md"
        path.write_text("---\n" + yaml_text(fields) + "---\n" + body, encoding="utf-8")
    except (OSError, UnicodeEncodeError):
        assume(False)
    for args in (["check"], ["check", "--json", "--lang", "en"], ["plan"]):
        _output_is_plain(cli(*args, "--workspace", str(ws.root)))


def test_a_markup_like_file_name_is_printed_as_written(ws: WS) -> None:
    ws.item(
        "[/bold] and [red]x[/red].md", "---\ntitle: t\nplatforms: [xiaohongshu]\nstatus: nope\n---\nbody\n"
    )
    ran = cli("check", "--workspace", str(ws.root))
    _output_is_plain(ran)
    assert "[/bold] and [red]x[/red].md" in re.sub(r"\s+", "", ran.stdout + ran.stderr).replace(
        "and", " and "
    )


def test_an_id_with_a_line_break_or_nul_is_refused_and_the_file_name_stands_in(ws: WS) -> None:
    ws.item("nul.md", '---\nid: "a\\0b\\nc"\ntitle: "t\\0"\nplatforms: [wechat]\n---\nbody\n')
    (checked,) = check_workspace(ws.open()).checked
    codes = {(p.code, p.field, p.line) for p in checked.problems}
    assert {("value_nul", "id", 2), ("value_nul", "title", 3), ("id_control", "id", 2)} <= codes
    assert checked.item is not None and checked.item.id == "nul" and checked.item.title == "t\ufffd"


@pytest.mark.parametrize(
    "args",
    [
        ("plan", "--days", "1000000000"),
        ("retry", "99999999999999999999"),
        ("cancel", "99999999999999999999"),
        ("resolve", "0", "--not-published"),
        ("report", "engagement", "--period", "0002-01-01..9998-12-31"),
        ("report", "weekly", "--period", "9999-W52"),
        ("report", "daily", "--period", "0001-01-01"),
        ("publish", "[/bold]"),
    ],
)
def test_numbers_and_periods_beyond_the_calendar_are_refused_plainly(ws: WS, args: tuple[str, ...]) -> None:
    ran = cli(*args, "-w", str(ws.root))
    assert ran.returncode in (1, 2) and not is_internal_error(ran.stdout + ran.stderr), ran
