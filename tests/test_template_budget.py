"""Workspace templates run with a budget: a runaway template is a content problem naming it, in moments."""

from __future__ import annotations

import shutil

import pytest
from jinja2 import DictLoader
from tests.conftest import WS
from tests.test_check import GOOD, run_check

from publisher.render.budget import BudgetedEnvironment, TemplateBudgetError, render_within
from publisher.workspace.settings import DEFAULTS_DIR

RUNAWAY = {
    "nested range": "{% for i in range(99999) %}{% for j in range(99999) %}{% endfor %}{% endfor %}",
    "huge output": "{% for i in range(99999) %}{{ 'x' * 1000 }}{% endfor %}",
    "string product": "{{ 'x' * 10 ** 9 }}",
    "power": "{% set e = 10 ** 8 %}{{ 10 ** e }}",
    "self include": "{% include 'self' %}",
}


@pytest.mark.parametrize("name", sorted(RUNAWAY))
def test_a_runaway_template_stops_with_a_named_limit(name: str) -> None:
    env = BudgetedEnvironment(loader=DictLoader({"self": RUNAWAY[name]}))
    with pytest.raises(TemplateBudgetError):
        render_within(env.get_template("self"), {})


def test_an_ordinary_template_renders_as_before() -> None:
    env = BudgetedEnvironment(
        loader=DictLoader({"t": "{% for i in range(3) %}{{ i * 2 }},{% endfor %}{{ 'ab' * 2 }}"})
    )
    assert render_within(env.get_template("t"), {}) == "0,2,4,abab"


def test_check_reports_a_runaway_workspace_template_by_name(ws: WS) -> None:
    folder = ws.root / "platforms" / "xiaohongshu"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "xiaohongshu", folder)
    (folder / "note.txt.j2").write_text(RUNAWAY["nested range"], encoding="utf-8")
    ws.item("launch.md", GOOD)
    problems = run_check(ws)["content/launch.md"]
    assert any("note.txt.j2" in p and "looped more than" in p for p in problems), problems


@pytest.mark.parametrize(
    "templates",
    [
        {"note.txt.j2": '{% include "note.txt.j2" %}'},
        {"note.txt.j2": '{% include "a.j2" %}', "a.j2": '{% include "note.txt.j2" %}'},
    ],
    ids=["self", "cycle"],
)
def test_check_reports_a_workspace_template_that_includes_itself_by_name(
    ws: WS, templates: dict[str, str]
) -> None:
    # Finding the variables a template uses follows its includes: it must stop at a cycle, not recurse until
    # Python's limit ("internal error: RecursionError" before), so the render can name the template.
    folder = ws.root / "platforms" / "xiaohongshu"
    shutil.copytree(DEFAULTS_DIR / "platforms" / "xiaohongshu", folder)
    for name, text in templates.items():
        (folder / name).write_text(text, encoding="utf-8")
    ws.item("launch.md", GOOD)
    problems = run_check(ws)["content/launch.md"]
    assert not any("internal error" in p for p in problems), problems
    assert any("note.txt.j2" in p and "itself" in p for p in problems), problems
