"""Render one item for one platform account: templates in a Jinja2 sandbox, media through the pipeline,
limits checked.

Pure apart from reading templates and media files (the workspace folder is passed in); the result is the exact
payload an adapter sends (`RenderedPost`), or the problems that stop it.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateError, meta
from jinja2.exceptions import SecurityError
from markupsafe import Markup, escape

from publisher.content.digests import Stamp, stamp_of
from publisher.content.item import Folders, media_hint, resolve_media
from publisher.messages import Either, Msg, counted, field_word, msg
from publisher.models import DECLARATIONS, Item, MediaFile, Problem, RenderedPost, Target
from publisher.platforms.rules import ImageRule, PlatformRules, count_length
from publisher.render import inline_html as wechat_html
from publisher.render import markdown, plain_templates
from publisher.render.budget import MAX_OUTPUT_CHARS, BudgetedEnvironment, output_too_long, render_within
from publisher.render.crop import CROP_WARN_SHARE, crop_warning, fitted
from publisher.render.math_images import MathError, formula
from publisher.render.media import (
    MediaProblem,
    display_size,
    probe_image,
    probe_video,
    process_image,
    process_video,
)

_THEME = wechat_html.WechatTheme(soft_breaks_as_br=True)
_TAGS = re.compile(r"<[^>]*>")
#: Element names an author writes meaning markup; raw HTML is shown as text, so these get a warning. Other
#: `<words>` (`std::list<T>`, `(<anonymous>)`) are text the author meant to show and are left alone.
_HTML_ELEMENTS = frozenset(
    {
        "a",
        "abbr",
        "audio",
        "b",
        "big",
        "blockquote",
        "br",
        "center",
        "cite",
        "code",
        "dd",
        "del",
        "details",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "font",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "picture",
        "pre",
        "q",
        "s",
        "section",
        "small",
        "source",
        "span",
        "strike",
        "strong",
        "sub",
        "summary",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "tt",
        "u",
        "ul",
        "video",
    }
)
_TAG_NAME = re.compile(r"<\s*/?\s*([a-zA-Z][a-zA-Z0-9-]*)")


def html_text_length(html: str) -> int:
    """Characters of text a reader sees in `html` (tags dropped, entities decoded): what WeChat's 20,000
    counts (docs/platforms/wechat.md, "How long an article may be")."""
    return count_length(html, "html_text")


def article_theme(rules: PlatformRules) -> wechat_html.WechatTheme:
    """The article look from platform.yaml `extra.article` (code_header, figure_caption)."""
    settings = rules.extra.get("article") or {}
    return wechat_html.WechatTheme(
        soft_breaks_as_br=True,
        code_header=str(settings.get("code_header") or ""),
        figure_caption=str(settings.get("figure_caption") or "alt"),
    )


_TEMPLATE_CODE = re.compile(r"\{\{|\{%|\{#")
_BLOG_TAG = re.compile(
    r"\{%-?\s*(asset_img|asset_path|asset_link|img|image|include|post_link|codeblock|blockquote|youtube|raw)\b"
)
_DANGEROUS_HTML = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|style|svg|form|meta|link)\b|\bon\w+\s*=|"
    r"javascript:",
    re.IGNORECASE,
)
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`", re.DOTALL)
_MEMO = 4096  # processed media and display sizes remembered per renderer (cleared when full)


@dataclass
class Renderer:
    """Renders items for the platforms of one workspace; keeps compiled templates and probe results."""

    rules: Mapping[str, PlatformRules]
    root: Path
    cache_dir: Path
    utm: bool = True
    _envs: dict[str, BudgetedEnvironment] = field(default_factory=dict)
    _probes: dict[tuple[Path, tuple[int, int] | None, Any], Any] = field(default_factory=dict)
    _resolved: dict[tuple[str, str], Path | Msg] = field(default_factory=dict)  # (ref, item folder) -> file
    _folders: Folders = field(default_factory=dict)  # media folders found plain in this scan
    _variables: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # while checking many files (`checking`): each template as loaded at its first use, not looked up and its
    # file's time read again for every file
    _templates: dict[tuple[str, str], Template] | None = None
    # while checking many files: each template's plan (`plain_templates`), made from the source it was loaded
    # from, or None when Jinja renders it
    _plans: dict[tuple[str, str], plain_templates.Plan | None] | None = None
    # process_image's files and the images' display sizes, by source (path, stamp) as the probes are
    _processed: dict[tuple[Path, Stamp | None, Any], tuple[MediaFile, Stamp]] = field(default_factory=dict)
    _shown: dict[tuple[Path, Stamp], tuple[int, int] | None] = field(default_factory=dict)
    # while checking many files: the media inputs (platform, item folder, the media fields' values) whose
    # check found nothing, so an item naming the same pictures as an earlier one is not probed again
    _media_clean: set[tuple[Any, ...]] | None = None
    _media_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # per platform: fields read
    _themes: dict[str, wechat_html.WechatTheme] = field(default_factory=dict)  # per platform: article look
    _articles: dict[str, bool] = field(default_factory=dict)  # per platform: has an HTML template
    # (platform, template override) -> (template per text field, the variables they use): see `_chosen`
    _choices: dict[tuple[str, str | None], tuple[dict[str, str], frozenset[str]]] = field(
        default_factory=dict
    )
    # (tags as written, topic style) -> (tags, topics): see `_tags`
    _tag_lists: dict[tuple[Any, str], tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)

    def begin_scan(self) -> None:
        """Forget per-scan caches (media paths may have appeared or gone since the last scan)."""
        self._resolved.clear()
        self._folders.clear()

    @contextmanager
    def checking(self) -> Iterator[None]:
        """While many files are checked at once, each template is loaded once; a template edited meanwhile
        is read by the next check or render (outside, every render asks the loader whether it changed)."""
        outer, outer_media, outer_plans = self._templates, self._media_clean, self._plans
        if outer is None:
            self._templates, self._media_clean, self._plans = {}, set(), {}
        try:
            yield
        finally:
            self._templates, self._media_clean, self._plans = outer, outer_media, outer_plans

    def template(self, platform: str, name: str) -> Template:
        """The platform's template `name`, compiled (a TemplateError when it is missing or invalid)."""
        cache = self._templates
        if cache is None:
            return self.env(platform).get_template(name)
        found = cache.get((platform, name))
        if found is None:
            found = cache[(platform, name)] = self.env(platform).get_template(name)
            if self._plans is not None:
                self._plans[(platform, name)] = self._plan(platform, name, found)
        return found

    def _plan(self, platform: str, name: str, template: Template) -> plain_templates.Plan | None:
        """The plan of a template just loaded, from its source read again: used only while the file is still
        the one Jinja compiled (its time unchanged since), else None (Jinja renders it)."""
        env = self.env(platform)
        try:
            source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]  # env() sets a loader
            if not template.is_up_to_date:
                return None
            autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
            return plain_templates.plan_of(env.parse(source), autoescape=autoescape, filters=env.filters)
        except (TemplateError, OSError):
            return None

    def _render(self, platform: str, name: str, ctx: dict[str, Any]) -> str:
        """A template's text: by its plan while checking (the same text; see `plain_templates`), else by
        Jinja within the budget."""
        template = self.template(platform, name)
        plan = self._plans.get((platform, name)) if self._plans is not None else None
        if plan is not None:
            text = plain_templates.run(plan, ctx)
            if text is not None:
                if len(text) > MAX_OUTPUT_CHARS:
                    raise output_too_long(MAX_OUTPUT_CHARS)
                return text
        return render_within(template, ctx)

    def resolve(self, ref: str, item_path: Path) -> Path | Msg:
        # keyed by the folder's name: one text for every item in it (no Path made and hashed per look)
        key = (ref, os.path.dirname(item_path))
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = resolve_media(ref, item_path, self.root, self._folders)
        return found

    def env(self, platform: str) -> BudgetedEnvironment:
        env = self._envs.get(platform)
        if env is None:
            rules = self.rules[platform]
            env = BudgetedEnvironment(
                loader=FileSystemLoader([rules.directory]),
                undefined=StrictUndefined,
                autoescape=lambda name: bool(name and name.endswith((".html.j2", ".html"))),
                keep_trailing_newline=False,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            env.filters["topic"] = lambda tag: rules.tags.style.format(tag=tag)
            self._envs[platform] = env
        return env

    # -- text -------------------------------------------------------------------------------------------

    def context(
        self, item: Item, target: Target, needed: set[str] | frozenset[str] | None = None
    ) -> dict[str, Any]:
        """The plain data a template sees (never objects with methods: the sandbox is the second fence).

        `needed` names the variables the templates use: the costly ones (plain text, the article HTML) are
        only computed when asked for; None computes everything.
        """
        rules = self.rules[target.platform]
        f = target.fields
        rewrite = self._link_rewriter(item, target)
        body_md = str(f.get("body") or "")
        tags, topics = self._tags(f.get("tags"), rules.tags.style)
        ctx: dict[str, Any] = {
            "item": {"id": item.id, "path": item.path},
            "platform": {"name": rules.name, "label": rules.label},
            "account": target.account,
            "title": str(f.get("title") or ""),
            "body_markdown": body_md,
            "tags": tags,
            "topics": topics,
        }
        if needed is None or needed & {"body_text", "first_paragraph"}:
            style = "inline" if rules.links.keep_url else "text"
            body_text = markdown.md_to_plain(body_md, link_style=style, link_rewriter=rewrite)
            ctx["body_text"] = body_text
            ctx["first_paragraph"] = body_text.split("\n\n", 1)[0].strip()
        for key in rules.fields:
            ctx.setdefault(key, f.get(key))
        for key in ("description", "link", "campaign"):
            ctx.setdefault(key, f.get(key))
        if needed is None or needed & {"body_html", "footnotes"}:
            # Authors of Chinese posts write one sentence per line and expect the line breaks they see.
            article = wechat_html.render_article(
                body_md,
                link_rewriter=rewrite,
                image_src=self._image_src(item),
                theme=self._theme(target.platform),
                sanitized=False,
            )  # sanitised once, after the template
            ctx["body_html"] = Markup(article.html)
            ctx["footnotes"] = [list(n) for n in article.footnotes]
        return ctx

    def _tags(self, value: Any, style: str) -> tuple[list[str], list[str]]:
        """The item's tags as written (no `#`, no blanks) and as the platform's topics (`style`): new lists
        each time, worked out once per tag list and style (a calendar repeats its tag lists)."""
        key = (
            (tuple(value) if all(type(v) is str for v in value) else None)
            if isinstance(value, list)
            else (value if value is None or isinstance(value, str) else None)
        )
        found = self._tag_lists.get((key, style)) if key is not None or value is None else None
        if found is None:
            tags = [str(t).lstrip("#").strip() for t in _as_list(value) if str(t).strip()]
            found = (tuple(tags), tuple(style.format(tag=t) for t in tags))
            if key is not None or value is None:
                if len(self._tag_lists) >= _MEMO:
                    self._tag_lists.clear()
                self._tag_lists[(key, style)] = found
        return list(found[0]), list(found[1])

    def _theme(self, platform: str) -> wechat_html.WechatTheme:
        """The platform's article look (`article_theme`), made once per renderer."""
        theme = self._themes.get(platform)
        if theme is None:
            theme = self._themes[platform] = article_theme(self.rules[platform])
        return theme

    def mutates_parse(self, target: Target) -> bool:
        """Whether rendering this target consumes the body's shared parse (HTML articles do)."""
        return self._is_article(target.platform)

    def _is_article(self, platform: str) -> bool:
        """Whether the platform has an HTML template (an article), answered once per platform."""
        found = self._articles.get(platform)
        if found is None:
            found = self._articles[platform] = any(
                t.endswith(".html.j2") for t in self.rules[platform].templates.values()
            )
        return found

    def variables(self, platform: str, template: str) -> set[str]:
        """The variables a template (and what it includes) refers to, found once by parsing it."""
        key = (platform, template)
        found = self._variables.get(key)
        if found is None:
            env = self.env(platform)
            found = set()
            # Each template once, so one that includes itself (or a cycle of them) ends here; the render
            # reports the cycle as a content problem naming the template.
            pending, seen = [template], {template}
            try:
                while pending:
                    source = env.loader.get_source(env, pending.pop())[0]  # type: ignore[union-attr]  # env() sets a loader
                    parsed = env.parse(source)
                    found |= set(meta.find_undeclared_variables(parsed))
                    for ref in meta.find_referenced_templates(parsed):
                        if ref and ref not in seen:
                            seen.add(ref)
                            pending.append(ref)
            except TemplateError:
                found = {"body_text", "first_paragraph", "body_html", "footnotes"}  # the render reports it
            self._variables[key] = found
        return found

    def render_text(
        self, item: Item, target: Target, *, exact: bool = True
    ) -> tuple[dict[str, Any], list[Problem]]:
        """Every text field the platform sends, from templates or the item's fields,
        checked against the rules.

        `exact=False` is for checking only: HTML already within its limits is not sanitised (sanitising only
        ever shortens it), so the check is the same and the fields are not fit to send.
        """
        rules = self.rules[target.platform]
        problems = self._template_code(item, target)
        if problems:
            return {}, problems
        if self._is_article(target.platform):
            problems += self._raw_html(item, target)
        chosen, needed = self._chosen(target.platform, target.fields.get("template"))
        ctx = self.context(item, target, needed)
        if not rules.links.keep_url and needed & {"body_text", "first_paragraph"}:
            problems += self._dropped_links(item, target)
        declared, label, declare_problems = self._declaration(item, target)
        problems += declare_problems
        out: dict[str, Any] = {}
        for name, rule in rules.text.items():
            template = chosen.get(name)
            if template:
                try:
                    text = self._render(target.platform, template, ctx)
                except SecurityError as exc:
                    problems.append(
                        self._p(
                            item,
                            target,
                            "template",
                            msg("template_sandbox", template=template, why=str(exc)),
                            msg("template_sandbox.hint"),
                        )
                    )
                    continue
                except TemplateError as exc:
                    problems.append(
                        self._p(
                            item,
                            target,
                            "template",
                            msg("template_failed", template=template, why=str(exc)),
                            msg("template_failed.hint", pid=target.platform, template=template),
                        )
                    )
                    continue
                is_html = template.endswith(".html.j2")
                if is_html and (exact or not self._within(target.platform, name, text, html=True)):
                    text = wechat_html.sanitize(text).replace("\n", "")
                value: Any = text.strip()
            else:
                is_html = False
                value = target.fields.get(name)
                value = "" if value is None else str(value).strip()
                if not value and name == rules.extra.get("excerpt_field"):
                    value = markdown.excerpt(str(target.fields.get("body") or "")) or ""
            if label and rules.declarations and name == rules.declarations.label_field:
                value = _with_label(value, label, html=bool(template and template.endswith(".html.j2")))
            if value or rule.required:
                out[name] = value
            problems.extend(self._check_text(item, target, name, value, html=is_html))
        out["tags"] = ctx["tags"]
        if declared:
            out["declaration"] = declared
            how = (rules.declarations.how if rules.declarations else {}).get(declared)
            if how:
                out["declaration_how"] = how  # what a person ticks when the API has no field for it
            if target.fields.get("source"):
                out["declaration_source"] = str(target.fields["source"])
        if len(ctx["tags"]) > rules.tags.max_items:
            problems.append(
                self._p(
                    item,
                    target,
                    "tags",
                    msg("tags_too_many", n=len(ctx["tags"]), platform=rules.label, max=rules.tags.max_items),
                    msg("tags_too_many.hint"),
                    rules.tags.source,
                )
            )
        for tag in ctx["tags"]:
            tag_length = count_length(tag, rules.tags.count)
            if tag_length > rules.tags.max_len:
                problems.append(
                    self._p(
                        item,
                        target,
                        "tags",
                        msg(
                            "tag_too_long",
                            tag=tag,
                            length=tag_length,
                            platform=rules.label,
                            max=rules.tags.max_len,
                            **counted(rules.tags.count),
                        ),
                        msg("tag_too_long.hint"),
                    )
                )
            if " " in tag and rules.tags.style.startswith("#") and not rules.tags.style.endswith("#"):
                problems.append(
                    self._p(
                        item,
                        target,
                        "tags",
                        msg("tag_space", tag=tag, platform=rules.label),
                        msg("tag_space.hint", joined=tag.replace(" ", ""), underscored=tag.replace(" ", "_")),
                    )
                )
        for key in rules.fields:
            if (
                key not in out
                and target.fields.get(key) is not None
                and rules.fields[key] not in ("path", "paths")
            ):
                out[key] = target.fields[key]
        return out, problems

    def _chosen(self, platform: str, override: Any) -> tuple[dict[str, str], frozenset[str]]:
        """The template of each text field (`template:` overriding the main one) and the variables they use,
        once per platform and override (the same for most items; read-only)."""
        key = (platform, str(override) if override else None)
        found = self._choices.get(key)
        if found is None:
            rules = self.rules[platform]
            chosen: dict[str, str] = {}
            for name in rules.text:
                template = rules.templates.get(name)
                if template and override and name == _main_field(rules):
                    template = str(override)
                if template:
                    chosen[name] = template
            needed = frozenset().union(*(self.variables(platform, t) for t in chosen.values()))
            if len(self._choices) >= _MEMO:
                self._choices.clear()
            found = self._choices[key] = (chosen, needed)
        return found

    def _dropped_links(self, item: Item, target: Target) -> list[Problem]:
        """A warning per link whose address the platform's text drops (platform.yaml `links.keep_url`)."""
        label = self.rules[target.platform].label
        problems = []
        for line, text, href in markdown.link_spans(str(target.fields.get("body") or "")):
            if not text or text.rstrip("/") == href.rstrip("/"):
                continue  # a bare address stays as written
            problems.append(
                Problem.of(
                    item.path,
                    item.body_line + line - 1,
                    "body",
                    msg("link_dropped", text=text, href=href, platform=label),
                    msg("link_dropped.hint"),
                    target.platform,
                    "warning",
                )
            )
        return problems

    def _declaration(self, item: Item, target: Target) -> tuple[str, str, list[Problem]]:
        """The item's `declare:` for this platform, the visible label the platform wants for it, and a problem
        when the platform has no such declaration (platform.yaml `declarations.supported`)."""
        value = target.fields.get("declare")
        if not isinstance(value, str) or value not in DECLARATIONS:
            return "", "", []  # absent, or reported by the reader
        rule = self.rules[target.platform].declarations
        if rule is None:
            return value, "", []
        if value not in rule.supported:
            label = self.rules[target.platform].label
            supported = rule.supported or msg("none")
            return (
                "",
                "",
                [
                    self._p(
                        item,
                        target,
                        "declare",
                        msg("declare_unsupported", platform=label, value=value, supported=supported),
                        msg("declare_unsupported.hint", pid=target.platform),
                    )
                ],
            )
        return value, rule.labels.get(value, ""), []

    def _within(self, platform: str, name: str, text: str, *, html: bool = False) -> bool:
        rule = self.rules[platform].text[name]
        # HTML's text is never longer than the HTML (tags dropped, entities decoded): short HTML is not read
        if html:
            short = rule.max is None or len(text) <= rule.max or html_text_length(text) <= rule.max
        else:
            length = count_length(text, rule.count)
            short = rule.max is None or length <= rule.max
        return short and (rule.max_bytes is None or len(text.encode("utf-8")) <= rule.max_bytes)

    def _check_text(
        self, item: Item, target: Target, name: str, value: str, *, html: bool = False
    ) -> list[Problem]:
        """Required, length and size limits of one text field; an HTML field's length is its visible text."""
        rule = self.rules[target.platform].text[name]
        if not value:
            if rule.required:
                return [
                    self._p(
                        item,
                        target,
                        name,
                        msg(
                            "text_required", platform=self.rules[target.platform].label, name=field_word(name)
                        ),
                        msg("text_required.hint", pid=target.platform, field=name),
                    )
                ]
            return []
        problems = []
        if html and rule.max is not None and len(value) > rule.max and html_text_length(value) > rule.max:
            length = html_text_length(value)
            problems.append(
                self._p(
                    item,
                    target,
                    name,
                    msg(
                        "html_too_long",
                        name=field_word(name),
                        length=length,
                        platform=self.rules[target.platform].label,
                        max=rule.max,
                    ),
                    msg("html_too_long.hint", over=length - rule.max),
                    rule.source,
                )
            )
        length = 0 if html else count_length(value, rule.count)
        if rule.max is not None and length > rule.max:
            how = counted(rule.count)
            label = self.rules[target.platform].label
            problems.append(
                self._p(
                    item,
                    target,
                    name,
                    msg(
                        "text_too_long",
                        name=field_word(name),
                        length=length,
                        platform=label,
                        max=rule.max,
                        **how,
                    ),
                    msg("text_too_long.hint", over=length - rule.max, unit=how["unit"]),
                    rule.source,
                )
            )
        if not html and rule.min is not None and length < rule.min:
            how = counted(rule.count)
            too_short = msg("text_too_short", name=field_word(name), length=length, min=rule.min, **how)
            problems.append(self._p(item, target, name, too_short))
        if rule.max_bytes is not None and len(value.encode("utf-8")) > rule.max_bytes:
            problems.append(
                self._p(
                    item,
                    target,
                    name,
                    msg("text_too_big", name=field_word(name), size=len(value.encode()), max=rule.max_bytes),
                    msg("text_too_big.hint"),
                    rule.source,
                )
            )
        return problems

    def _raw_html(self, item: Item, target: Target) -> list[Problem]:
        """Raw HTML in an HTML article, judged by what renders: scripts and handlers are refused, markup that
        would show as text or be lost is a warning naming it, and `<words>` that are just text pass."""
        problems = []
        body = str(target.fields.get("body") or "")
        label = self.rules[target.platform].label
        for line, snippet in markdown.find_raw_html(body):
            where = item.body_line + line - 1
            if _DANGEROUS_HTML.search(snippet):
                problems.append(
                    Problem.of(
                        item.path,
                        where,
                        "body",
                        msg("raw_html_refused", snippet=snippet[:40], platform=label),
                        msg("raw_html_refused.hint"),
                        target.platform,
                    )
                )
                continue
            name = _TAG_NAME.match(snippet)
            if snippet.startswith("<!--"):
                what = msg("html_comment_shows", snippet=snippet[:40])
            elif name and name.group(1).lower() in _HTML_ELEMENTS:
                what = msg("raw_html_shows", tag=name.group(1), snippet=snippet[:40])
            else:
                continue  # `std::list<T>`, `(<anonymous>)`: text, shown as written
            problems.append(
                Problem.of(
                    item.path, where, "body", what, msg("raw_html_shows.hint"), target.platform, "warning"
                )
            )
        return problems

    def _template_code(self, item: Item, target: Target) -> list[Problem]:
        problems = []
        for key, value in target.fields.items():
            # without a `{` no template code can be left once code spans are cut out: no need to cut them
            if isinstance(value, str) and "{" in value and _TEMPLATE_CODE.search(_CODE.sub("", value)):
                tag = _BLOG_TAG.search(_CODE.sub("", value))
                hint = msg("template_code.blog", tag=tag.group(1)) if tag else msg("template_code.hint")
                problems.append(self._p(item, target, key, msg("template_code"), hint))
        return problems

    # -- media ------------------------------------------------------------------------------------------

    def media_sources(self, item: Item, target: Target, rule: ImageRule) -> tuple[str, list[tuple[str, str]]]:
        """(field used, [(dotted field, reference)]) for one media role; the first present field wins."""
        for name in rule.fields:
            if name == "body":
                # remote images too: they are refused by name (the platform would drop them silently)
                refs = [
                    (f"body image {src}", src)
                    for src, _alt in markdown.extract_images(str(target.fields.get("body") or ""))
                ]
            else:
                value = target.fields.get(name)
                if isinstance(value, str):
                    value = [value]
                elif not isinstance(value, list):
                    value = []  # a number or a mapping: the field's type check reports it
                refs = [
                    (f"{name}[{i}]" if len(value) > 1 or name in ("images", "gallery") else name, v)
                    for i, v in enumerate(value)
                    if isinstance(v, str)
                ]
            if refs:
                return name, refs
        return "", []

    def check_media(
        self, item: Item, target: Target, *, process: bool
    ) -> tuple[list[MediaFile], list[Problem]]:
        """Probe (or process) every file for every media role; counts, formats, sizes, bombs.

        While checking many files (`checking`), a probe that found nothing is remembered by what it read (the
        platform, the item's folder and its media fields), as the media paths are resolved once per scan."""
        clean = self._media_clean
        key = None if clean is None or process else self._media_key(item, target)
        if clean is not None and key is not None and key in clean:
            return [], []
        files, problems = self._check_media(item, target, process=process)
        if clean is not None and key is not None and not problems:
            clean.add(key)
        return files, problems

    def _media_key(self, item: Item, target: Target) -> tuple[Any, ...] | None:
        """What a media check reads of the item (None when a value is not plain data: checked every time)."""
        names = self._media_fields.get(target.platform)
        if names is None:
            rules = self.rules[target.platform]
            read = {f for rule in rules.images.values() for f in rule.fields} | {"video", "fit"}
            names = self._media_fields[target.platform] = tuple(sorted(read))
        key: list[Any] = [target.platform, item.path.rpartition("/")[0]]
        fields = target.fields
        for name in names:
            value = fields.get(name)
            if name == "body":  # what a check reads of the body: its images, and its formulas (`$`)
                body = str(value or "")
                key.append(tuple(src for src, _alt in markdown.extract_images(body)))
                value = body if "$" in body else None
            elif isinstance(value, list):
                if not all(isinstance(v, str) for v in value):
                    return None
                value = tuple(value)
            elif not (value is None or isinstance(value, str | int | float)):
                return None
            key.append(value)
        return tuple(key)

    def _check_media(
        self, item: Item, target: Target, *, process: bool
    ) -> tuple[list[MediaFile], list[Problem]]:
        rules = self.rules[target.platform]
        item_path = self.root / item.path
        files: list[MediaFile] = []
        problems: list[Problem] = []
        present: set[str] = set()
        video_ref = target.fields.get("video")
        has_video = isinstance(video_ref, str) and bool(video_ref)
        fit, fit_problem = fitted(target.fields.get("fit"))
        if fit_problem:
            problems.append(self._p(item, target, "fit", *fit_problem))
        for role, rule, used, refs in self._image_roles(item, target, fit, has_video):
            strict = bool(used) and used == rule.fields[0]
            if refs:
                present.add(role)
            if len(refs) < rule.min:
                problems.append(
                    self._p(
                        item,
                        target,
                        rule.fields[0],
                        msg("images_too_few", platform=rules.label, min=rule.min, role=field_word(role)),
                        msg("images_too_few.hint", field=rule.fields[0]),
                        rule.source,
                    )
                )
            if strict and len(refs) > rule.max:
                problems.append(
                    self._p(
                        item,
                        target,
                        used,
                        msg(
                            "images_too_many",
                            n=len(refs),
                            role=field_word(role),
                            platform=rules.label,
                            max=rule.max,
                        ),
                        msg("images_too_many.hint"),
                        rule.source,
                    )
                )
            for dotted, ref in refs:
                path = self.resolve(ref, item_path)
                if isinstance(path, Msg):
                    problems.append(self._p(item, target, dotted, path, media_hint(ref)))
                    continue
                size: tuple[int, int] | None = None
                try:
                    if process:
                        files.append(self._process(path, rule))
                        size = self._display_size(path)
                    else:
                        info = self._probe(path, rule, _probe_header)
                        size = (info.width, info.height)
                except MediaProblem as exc:
                    said = msg("media_problem", ref=ref, why=exc.said)
                    problems.append(self._p(item, target, dotted, said, exc.hint_said))
                    continue
                borrowed = bool(used) and used != rule.fields[0]
                warning = crop_warning(
                    path, ref, rule, rules.label, CROP_WARN_SHARE, borrowed=borrowed, size=size
                )
                if warning:
                    problems.append(replace(self._p(item, target, dotted, *warning), severity="warning"))
        files += self._math_media(item, target, process=process, problems=problems)
        if has_video:
            present.add("video")
            if rules.video is None:
                problems.append(self._p(item, target, "video", msg("video_not_taken", platform=rules.label)))
            else:
                path = self.resolve(str(video_ref), item_path)  # a non-empty str (has_video)
                if isinstance(path, Msg):
                    problems.append(self._p(item, target, "video", path, media_hint(str(video_ref))))
                else:
                    try:
                        if process:
                            files.append(
                                process_video(path, rules.video, self.cache_dir, source=_rel(path, self.root))
                            )
                        else:
                            self._probe(path, rules.video, probe_video)
                    except MediaProblem as exc:
                        problems.append(
                            self._p(
                                item,
                                target,
                                "video",
                                msg("media_problem", ref=video_ref, why=exc.said),
                                exc.hint_said,
                            )
                        )
        for group in rules.requires_one_of:
            if not present & set(group):
                problems.append(
                    self._p(
                        item,
                        target,
                        group[0],
                        msg(
                            "requires_one_of",
                            platform=rules.label,
                            options=Either(field_word(g) for g in group),
                        ),
                        msg("requires_one_of.hint", field=group[0]),
                    )
                )
        return files, problems

    def _image_roles(
        self, item: Item, target: Target, fit: str | None, has_video: bool
    ) -> Iterator[tuple[str, ImageRule, str, list[tuple[str, str]]]]:
        """Each image role the target's media check reads: its rule (with the item's `fit`), the field its
        pictures come from and their references (at most the rule's `max` unless in the rule's own field)."""
        rules = self.rules[target.platform]
        for role, rule in rules.images.items():
            if has_video and rules.video_replaces_images:
                continue
            if fit and fit != rule.fit:
                rule = replace(rule, fit=fit)
            used, refs = self.media_sources(item, target, rule)
            if not (used and used == rule.fields[0]):
                refs = refs[: rule.max]
            yield role, rule, used, refs

    def image_sources(self, item: Item, target: Target) -> list[tuple[Path, ImageRule]]:
        """The pictures a render of the target with its media processed hands to `process_image`, each with
        its rule, in order; references that do not resolve are left out (the render reports them)."""
        video_ref = target.fields.get("video")
        has_video = isinstance(video_ref, str) and bool(video_ref)
        fit, _problem = fitted(target.fields.get("fit"))
        item_path = self.root / item.path
        found: list[tuple[Path, ImageRule]] = []
        for _role, rule, _used, refs in self._image_roles(item, target, fit, has_video):
            for _dotted, ref in refs:
                path = self.resolve(ref, item_path)
                if not isinstance(path, Msg):
                    found.append((path, rule))
        return found

    def _math_media(
        self, item: Item, target: Target, *, process: bool, problems: list[Problem]
    ) -> list[MediaFile]:
        """Formulas of an HTML article drawn to PNG and processed like the body's images (same rule)."""
        rules = self.rules[target.platform]
        role = next((r for r in rules.images.values() if "body" in r.fields), None)
        if role is None or not self.mutates_parse(target):
            return []
        files: list[MediaFile] = []
        seen: set[str] = set()
        for tex, display in markdown.extract_math(str(target.fields.get("body") or "")):
            try:
                drawn = formula(tex, display)
            except MathError as exc:
                problems.append(
                    self._p(
                        item,
                        target,
                        "body",
                        msg("formula_failed", tex=tex[:40], why=str(exc)),
                        msg("formula_failed.hint"),
                    )
                )
                continue
            if drawn.name in seen or not process:
                continue
            seen.add(drawn.name)
            path = self.cache_dir / "math" / drawn.name
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(drawn.png)
            try:
                files.append(process_image(path, role, self.cache_dir, source=f"math/{drawn.name}"))
            except MediaProblem as exc:
                problems.append(
                    self._p(
                        item, target, "body", msg("formula_media", tex=tex[:40], why=exc.said), exc.hint_said
                    )
                )
        return files

    def _process(self, path: Path, rule: ImageRule) -> MediaFile:
        """process_image's file for the source as it is now, remembered by the source's status (size, mtime,
        ctime, inode, device: `content.digests`' stamp) and the rule, while the processed file in the cache
        keeps its own: a queue sending many posts with one picture reads and hashes the source and the
        processed file once, not once a post. A source written in the last second is not remembered (a second
        write within one clock tick would keep its stamp: the racy rule of `content.digests`); an edited
        source, or a cache entry replaced since, is processed (or looked up and verified) again."""
        stamp = _stamp(path)
        key = (path, stamp, rule)
        hit = self._processed.get(key) if stamp is not None else None
        if hit is not None and _stamp(Path(hit[0].path)) == hit[1]:
            return hit[0]
        made = process_image(path, rule, self.cache_dir, source=_rel(path, self.root))
        out = _stamp(Path(made.path))
        if stamp is not None and out is not None and _settled(stamp):
            if len(self._processed) >= _MEMO:
                self._processed.clear()
            self._processed[key] = (made, out)
        return made

    def _display_size(self, path: Path) -> tuple[int, int] | None:
        """The image's display size (crop_warning's), remembered by the file's stamp as `_process` does."""
        stamp = _stamp(path)
        if stamp is None:
            return None  # crop_warning reads it, and says nothing of a file it cannot read
        key = (path, stamp)
        if key in self._shown:
            return self._shown[key]
        size = display_size(path)
        if _settled(stamp):
            if len(self._shown) >= _MEMO:
                self._shown.clear()
            self._shown[key] = size
        return size

    def _probe(self, path: Path, rule: Any, probe: Callable[[Path, Any], Any]) -> Any:
        """The probe's result for the file as it is now: cached by path, size and modification time (an
        edited file is probed again), and by the rule it was checked against."""
        try:
            st = path.stat()
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None  # the probe says what is wrong
        key = (path, stamp, rule)  # rules are frozen dataclasses: equal rules share the probe
        if key not in self._probes:
            try:
                self._probes[key] = probe(path, rule)
            except MediaProblem as exc:
                self._probes[key] = exc
        result = self._probes[key]
        if isinstance(result, MediaProblem):
            raise result
        return result

    # -- whole post -------------------------------------------------------------------------------------

    def render(
        self, item: Item, target: Target, *, process_media: bool = True
    ) -> tuple[RenderedPost | None, list[Problem]]:
        # Media first: it only reads the body's parse, which the HTML renderer then takes over.
        media, media_problems = self.check_media(item, target, process=process_media)
        fields, problems = self.render_text(item, target)
        problems += media_problems
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            return None, problems
        if process_media and "content" in fields:
            fields["content"] = _point_images_at(fields["content"], media)
        post = RenderedPost(
            item_id=item.id,
            item_path=item.path,
            platform=target.platform,
            account=target.account,
            fields=fields,
            media=tuple(media),
            warnings=tuple(p for p in problems if p.severity == "warning"),
            content_hash=item.hash,
            publish_at=target.publish_at if not isinstance(target.publish_at, str) else None,
        )
        return post, problems

    # -- helpers ----------------------------------------------------------------------------------------

    def _p(
        self,
        item: Item,
        target: Target,
        dotted: str,
        message: str | Msg,
        hint: str | Msg | None = "",
        source: str = "",
    ) -> Problem:
        """A problem at the most precise line: the platform override, the field, the body, else the target."""
        base = dotted.split("[")[0]
        line = (
            item.lines.get(f"platforms.{_entry_name(item, target)}.{base}")
            or item.lines.get(dotted)
            or item.lines.get(base)
        )
        if line is None:
            line = item.body_line if base.startswith("body") or base in ("content", "text") else target.line
        said = message if isinstance(message, Msg) else None
        hint_said = hint if isinstance(hint, Msg) else None
        text = said.text("en") if said else str(message)
        hint_text = hint_said.text("en") if hint_said else str(hint or "")
        if source and "[U]" in source:
            if said is not None and (hint_said is not None or not hint_text):
                hint_said = msg(
                    "rule_setting.hint" if hint_said else "rule_setting_only.hint",
                    hint=hint_said,
                    platform=target.platform,
                )
                hint_text = hint_said.text("en")
            else:
                hint_text = (
                    f"{hint_text}; this limit is a setting in platforms/{target.platform}/platform.yaml"
                )
                hint_text = hint_text.lstrip("; ")
        return Problem(item.path, line, dotted, text, hint_text, target.platform, "error", said, hint_said)

    def _link_rewriter(self, item: Item, target: Target) -> Callable[[str], str] | None:
        """UTM tagging of outbound links, where the reader can click them (platform.yaml `links.utm`)."""
        if not self.utm or not self.rules[target.platform].links.utm or target.fields.get("utm") is False:
            return None
        campaign = campaign_slug(str(target.fields.get("campaign") or item.id))

        def add_utm(url: str) -> str:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https"):
                return url
            query = parse_qsl(parts.query, keep_blank_values=True)
            if any(k == "utm_source" for k, _ in query):
                return url
            query += [("utm_source", target.platform), ("utm_medium", "social"), ("utm_campaign", campaign)]
            return urlunsplit(parts._replace(query=urlencode(query)))

        return add_utm

    def _image_src(self, item: Item) -> Callable[[str], str]:
        # Until media is processed, an image keeps its written path;
        # _point_images_at swaps in the processed name.
        return lambda src: src


def campaign_slug(value: str) -> str:
    """A short ASCII `utm_campaign`: lower-case letters, digits and `-` (`2026/launch` → `2026-launch`);
    when non-ASCII characters were dropped (a Chinese id), a short hash of the value keeps items apart."""
    folded = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:40].strip("-")
    if slug and value.isascii():
        return slug
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:6]
    return f"{slug}-{digest}" if slug else f"item-{digest}"


def _with_label(value: str, label: str, *, html: bool) -> str:
    """The text with the declaration label as its last line (a paragraph in an HTML article)."""
    if html:
        return f'{value}\n<p style="color:#888888;font-size:14px;">{escape(label)}</p>'
    return f"{value}\n\n{label}" if value else label


def _point_images_at(html: str, media: list[MediaFile]) -> str:
    """Replace each body image's written path with the processed
    file's name (adapters upload by that name)."""
    by_source = {m.source: Path(m.path).name for m in media if m.role == "images"}

    def swap(match: re.Match[str]) -> str:
        src = match.group(2)
        for source, name in by_source.items():
            if source.endswith(src.lstrip("./")):
                return f"{match.group(1)}{name}{match.group(3)}"
        return match.group(0)

    return re.sub(r'(<img[^>]*?\ssrc=")([^"]+)(")', swap, html)


def _main_field(rules: PlatformRules) -> str:
    return next(iter(rules.templates), "")


def _entry_name(item: Item, target: Target) -> str:
    platforms = item.fields.get("platforms")
    if isinstance(platforms, dict) and target.account in platforms:
        return target.account
    return target.platform


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in re.split(r"[,，\s]+", value) if v]
    return list(value) if isinstance(value, list | tuple) else [value]


def _probe_header(path: Path, rule: Any) -> Any:
    """What a check needs of an image: the probe without the content digest (no file is kept)."""
    return probe_image(path, rule, digest=False)


def _stamp(path: Path) -> Stamp | None:
    """The file's stamp as `content.digests` keeps it, None when it cannot be read."""
    try:
        return stamp_of(path.stat())
    except OSError:
        return None


def _settled(stamp: Stamp) -> bool:
    """True when the file was last written or touched over a second ago: any later write gives it a newer
    stamp, so a result remembered by this stamp cannot hide a change."""
    return time.time_ns() - max(stamp[1], stamp[2]) > 1_000_000_000


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name
