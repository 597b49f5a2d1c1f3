"""The weekly report's compliance lines: the 广告法/platform-word hits items acknowledged with `allow:` and
a reason, for the items that went out (or were due) in the period, from the front matter the store holds."""

from __future__ import annotations

from collections.abc import Iterable

from publisher.compliance.scan import acknowledgements
from publisher.models import PostState
from publisher.reports.i18n import t
from publisher.store.db import Store
from publisher.store.items import item_fields
from publisher.store.reports import PostInfo

#: posts that never reach a reader: their acknowledgements are not the period's
_NOT_OUT = frozenset({PostState.CANCELLED.value, PostState.DRY_RUN.value})


def acknowledged(store: Store, posts: Iterable[PostInfo], lang: str) -> list[str]:
    """One line per acknowledged word and item (word, workspace-relative path, reason), in path order."""
    ids = {p.item_id for p in posts if p.state not in _NOT_OUT}
    if not ids:
        return []
    out = []
    for _item_id, (path, fields) in sorted(item_fields(store, ids).items(), key=lambda kv: kv[1][0]):
        for word, reason in acknowledgements(fields.get("allow")):
            out.append(t("r_allow", lang, word=word, path=path, reason=reason))
    return out
