"""Files already uploaded to an account as permanent material: platform media ids by content hash.

The adapters see this through the `MediaCache` interface of their context (they never import the store); the
same cover used by several posts of one account is uploaded once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from publisher.store.db import Store
from publisher.store.tables import media_cache_t as media

_GET = sa.select(media.c.media_id).where(
    media.c.platform == sa.bindparam("platform"),
    media.c.account == sa.bindparam("account"),
    media.c.kind == sa.bindparam("kind"),
    media.c.sha256 == sa.bindparam("sha256"),
)


class StoreMediaCache:
    """A MediaCache on the database, shared by every process and kept across restarts.

    The ids this instance found or stored are remembered for its lifetime (the queue makes one per account
    and run): the posts of one account in a run share a cover, and each asked the database before its upload.
    An id another process dropped meanwhile is refused by the platform (WeChat 40007), which forgets it here
    too and uploads again."""

    def __init__(self, store: Store, platform: str, *, now: Callable[[], datetime] | None = None) -> None:
        self.store, self.platform = store, platform
        self.now = now or (lambda: datetime.now(UTC))
        self._known: dict[tuple[str, str, str], str] = {}  # (account, kind, sha256) -> media id

    def _where(self, account: str, kind: str, sha256: str) -> sa.ColumnElement[bool]:
        return sa.and_(
            media.c.platform == self.platform,
            media.c.account == account,
            media.c.kind == kind,
            media.c.sha256 == sha256,
        )

    def get(self, account: str, kind: str, sha256: str) -> str | None:
        known = self._known.get((account, kind, sha256))
        if known is not None:
            return known
        values = {"platform": self.platform, "account": account, "kind": kind, "sha256": sha256}
        with self.store.read() as conn:  # a Core read of a statement built once: asked before every upload
            found = conn.execute(_GET, values).scalar()
        if found is None:
            return None  # not remembered: another worker may upload it meanwhile
        self._known[(account, kind, sha256)] = str(found)
        return str(found)

    def put(self, account: str, kind: str, sha256: str, media_id: str) -> None:
        """Remember the media id (the latest upload wins: a racing worker's copy is as good)."""
        where = self._where(account, kind, sha256)
        row = {"platform": self.platform, "account": account, "kind": kind, "sha256": sha256}
        self._known[(account, kind, sha256)] = media_id
        try:
            with self.store.begin() as conn:
                if not conn.execute(sa.update(media).where(where).values(media_id=media_id)).rowcount:
                    conn.execute(sa.insert(media).values(**row, media_id=media_id, created_at=self.now()))
        except sa.exc.IntegrityError:
            pass  # another worker stored its upload of the same file first: either id serves

    def forget(self, account: str, kind: str, sha256: str) -> None:
        """Drop an id the platform no longer knows (the material was deleted in the console)."""
        self._known.pop((account, kind, sha256), None)
        with self.store.begin() as conn:
            conn.execute(sa.delete(media).where(self._where(account, kind, sha256)))
