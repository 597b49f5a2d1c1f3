"""The new-post form's live check: the draft as the form would write it, checked in memory by the same
check as `publisher check` (near-duplicates against the calendar and the published posts included), nothing
written to content/; its previews rendered into a scratch folder under the previews (`_drafts/`), replaced
on every check."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from publisher.calendar.preview import write_previews
from publisher.content.frontmatter import MAX_FILE_BYTES
from publisher.messages import say
from publisher.reports.i18n import platform_label
from publisher.store.texts import published_texts
from publisher.web.newpost import Draft, draft_text, precheck
from publisher.web.state import AppState

DRAFTS = "_drafts"  # under .publisher/previews/: served like every preview, never a content file


@dataclass(frozen=True)
class DraftCheck:
    """What the page shows while a person types: the file it would become, its problems, its previews."""

    path: str
    problems: list[dict[str, str]] = field(default_factory=list)  # {severity, text}
    previews: list[dict[str, str]] = field(default_factory=list)  # {target, label, href}

    @property
    def ok(self) -> bool:
        return not any(p["severity"] == "error" for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "path": self.path, "problems": self.problems, "previews": self.previews}


def check_draft(state: AppState, draft: Draft) -> DraftCheck:
    """Check the draft as `publisher check` would check the file; render its previews if it has targets."""
    item_id, text = draft_text(state, draft)
    path = state.ws.content_dir / f"{item_id}.md"
    rel = path.relative_to(state.ws.root).as_posix()
    refused = precheck(state, draft)
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        refused.append("body: " + say("form_too_long", state.lang, limit=MAX_FILE_BYTES))
    if refused:  # what the form itself refuses (no title, no platform): no file to check yet
        return DraftCheck(rel, [{"severity": "error", "text": f"{rel}: {p}"} for p in refused])
    window = timedelta(seconds=state.ws.settings.compliance.published_window)
    history = published_texts(state.store, since=state.now() - window)  # as `publisher check` compares
    with state.lock:  # the Calendar and its renderer are shared with the page's scans
        checked = state.calendar.check_text(path, text)
        others = [c for c in state.checked if c.path != rel]
        checked = state.calendar.with_near_duplicates([*others, checked], history)[-1]
        root = state.ws.state_dir / "previews"
        scratch = root / DRAFTS
        if scratch.is_dir():
            shutil.rmtree(scratch, ignore_errors=True)  # the previous keystroke's pages
        result = write_previews(state.ws, checked, state.calendar.renderer, out_root=scratch)
    order = {"error": 0, "warning": 1, "info": 2}
    problems = [
        {"severity": p.severity, "text": p.format(state.lang)}
        for p in sorted(checked.problems, key=lambda p: (order.get(p.severity, 3), p.line))
    ]
    previews = []
    targets = {f"{t.platform}:{t.account}" for t in checked.item.targets} if checked.item else set()
    for target in sorted(targets | set(result.pages)):
        platform = target.split(":", 1)[0]
        rules = state.ws.rules.get(platform)
        label = platform_label(platform, rules.label if rules else platform, state.lang)
        page = result.pages.get(target)
        # A target that cannot render (a missing image, say) has no page: its problems say why.
        href = "/previews/" + quote(page.relative_to(root).as_posix()) if page else ""
        previews.append({"target": target, "label": label, "href": href})
    return DraftCheck(rel, problems, previews)
