"""A template that only lays out fields is run by its plan (`render.plain_templates`) while a calendar is
checked: the same text as Jinja's, for every value; anything a plan does not know is left to Jinja."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jinja2 import DictLoader, StrictUndefined, TemplateError
from markupsafe import Markup
from tests.conftest import WS
from tests.test_check import GOOD, run_check

from publisher.render.budget import BudgetedEnvironment, render_within
from publisher.render.plain_templates import plan_of, run
from publisher.workspace.settings import DEFAULTS_DIR

PLAIN = {
    "name.txt.j2": "{{ title }}\n",
    "or.txt.j2": "{{ caption or title }}{% if topics %} {{ topics | join(' ') }}{% endif %}",
    "and.txt.j2": "{{ caption and title }}|{{ not caption }}",
    "elif.txt.j2": "{% if caption %}a{{ caption }}{% elif title %}b{% else %}c{{ title }}{% endif %}\n",
    "blocks.txt.j2": "{{ body_text }}\n{% if topics %}\n\n{{ topics | join }}\n{% endif %}\n",
    "page.html.j2": "{{ body_html }}{%- if topics -%}<p>{{ topics | join(' & ') }}</p>{%- endif -%}{{ x }}",
    "const.txt.j2": "{{ title }}{% if body_text %}{{ '\\n' }}{{ body_text }}{% endif %}{{ 3 }}{{ none }}",
    "nested.html.j2": "{% if caption %}{% if not topics %}<i>{{ caption }}</i>{% endif %}{% endif %}",
}
#: templates with more than plain layout: no plan, Jinja renders them
NOT_PLAIN = {
    "attr.txt.j2": "{{ item.id }}",
    "loop.txt.j2": "{% for t in topics %}{{ t }}{% endfor %}",
    "upper.txt.j2": "{{ title | upper }}",
    "set.txt.j2": "{% set a = title %}{{ a }}",
    "join attribute.txt.j2": "{{ topics | join(',', attribute='x') }}",
    "self.txt.j2": "{{ self }}",
    "include.txt.j2": "{% include 'name.txt.j2' %}",
}

texts = st.text(alphabet=st.sampled_from("ab <>&'\"\n#中文"), max_size=12)
values = st.one_of(
    st.none(),
    texts,
    st.builds(Markup, texts),
    st.integers(-5, 5),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=16),
    st.lists(texts, max_size=3),
    st.lists(st.one_of(texts, st.integers(0, 3), st.builds(Markup, texts)), max_size=3),
    st.dictionaries(texts, texts, max_size=2),
)
contexts = st.dictionaries(
    st.sampled_from(["title", "caption", "topics", "body_text", "body_html", "item", "x"]), values
)


def env() -> BudgetedEnvironment:
    return BudgetedEnvironment(
        loader=DictLoader({**PLAIN, **NOT_PLAIN}),
        undefined=StrictUndefined,
        autoescape=lambda name: bool(name and name.endswith((".html.j2", ".html"))),
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


ENV = env()


def jinja(name: str, context: dict[str, Any]) -> str | None:
    try:
        return render_within(ENV.get_template(name), context)
    except (TemplateError, TypeError):
        return None  # an error: the plan must leave it to Jinja


@pytest.mark.parametrize("name", sorted(PLAIN))
@settings(max_examples=150, deadline=None)
@given(context=contexts)
def test_a_plan_gives_jinjas_text_or_leaves_the_value_to_jinja(name: str, context: dict[str, Any]) -> None:
    plan = plan_of(ENV.parse(PLAIN[name]), autoescape=name.endswith(".html.j2"), filters=ENV.filters)
    assert plan is not None
    made = run(plan, context)
    if made is not None:
        assert made == jinja(name, context)


@pytest.mark.parametrize("name", sorted(PLAIN))
def test_plain_values_are_run_by_the_plan(name: str) -> None:
    plan = plan_of(ENV.parse(PLAIN[name]), autoescape=name.endswith(".html.j2"), filters=ENV.filters)
    assert plan is not None
    context = {"title": "T <b>", "caption": "", "topics": ["#a", "#b&c"], "body_text": "x\ny", "x": 1.5}
    context["body_html"] = Markup("<p>x</p>")
    assert run(plan, context) == jinja(name, context)


@pytest.mark.parametrize("name", sorted(NOT_PLAIN))
def test_a_template_with_more_than_layout_has_no_plan(name: str) -> None:
    assert plan_of(ENV.parse(NOT_PLAIN[name]), autoescape=False, filters=ENV.filters) is None


def test_a_join_filter_of_the_workspaces_own_is_not_planned() -> None:
    custom = env()
    custom.filters["join"] = lambda value, glue="": "custom"
    assert plan_of(custom.parse(PLAIN["or.txt.j2"]), autoescape=False, filters=custom.filters) is None


@pytest.mark.parametrize("platform", ["xiaohongshu", "douyin", "wechat", "weibo", "producthunt"])
def test_the_packaged_text_templates_all_have_plans(platform: str) -> None:
    folder = DEFAULTS_DIR / "platforms" / platform
    for path in folder.glob("*.j2"):
        if path.name.startswith("preview"):
            continue
        assert plan_of(ENV.parse(path.read_text("utf-8")), autoescape=False, filters=ENV.filters), path


def test_check_renders_a_workspace_template_with_more_than_layout_by_jinja(ws: WS) -> None:
    folder = ws.root / "platforms" / "xiaohongshu"
    import shutil

    shutil.copytree(DEFAULTS_DIR / "platforms" / "xiaohongshu", folder)
    (folder / "title.txt.j2").write_text("{{ title | upper }}{{ 'x' * 30 }}", encoding="utf-8")
    ws.item("launch.md", GOOD)
    problems = run_check(ws)["content/launch.md"]
    assert any("title" in p and "20" in p for p in problems), problems
