"""Sync the calendar into the store: each item x platform account becomes one post row in the right state.

Idempotent (R4): the desired rows are computed from the files alone, compared with the store, and only the
differences are written, so running it twice, or from two processes, changes nothing the second time.
Posts in flight (claimed, sending, reconcile) are never touched here:
re-validation before the send sees edits.

On a shared (PostgreSQL) store whose nodes each have their own git checkout of the folder, a node syncs only
from a commit at least as new as the newest one synced so far (`calendar.revision`): a copy that lags writes
nothing, so a file it has not pulled yet is never cancelled as removed and an older text never overrides a
newer one. SQLite (one node) is not guarded: a deleted file cancels its posts as it always did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from publisher.calendar.check import CheckResult
from publisher.calendar.load import Calendar, Checked
from publisher.calendar.ready import prepare
from publisher.calendar.revision import GitFolder, Revision, Standing, standing
from publisher.messages import Msg, msg
from publisher.models import Item, PostState, Target, problem_msg
from publisher.states import PUBLISH_NOW_REASON, SYNC_OWNED, can_transition
from publisher.store.db import Store
from publisher.store.sync import (
    ItemRecord,
    Move,
    NewPost,
    Note,
    Reschedule,
    RevisionMoved,
    RevisionStep,
    SyncWrite,
    advance_revision,
    due_overrides,
    newest_post_id,
    newest_revision,
    synced_posts,
    write_sync,
)
from publisher.store.texts import record_texts
from publisher.workspace.settings import Workspace

S = PostState

SlotFinder = Callable[[Target, Item, datetime], datetime | None]


#: What the files say one post should be: the very row `write_sync` inserts where the store has none yet.
Desired = NewPost

#: (item, platform, account) -> what the files alone want, for the posts a person's "publish now" changed
Overridden = dict[tuple[str, str, str], Desired]


@dataclass(frozen=True)
class Change:
    """One difference between the files and the store, as `plan` and `sync` show it."""

    kind: str  # new | state | due | edited | removed | changed_after_publish
    item_id: str
    platform: str
    account: str
    before: str
    after: str
    detail: str = ""  # English (a state change's reason, a time, a hash)
    said: str | None = None  # the reason by code and values (`Msg.to_json`), worded for the reader
    seen: str = field(default="", compare=False)  # the post's state as this sync read it ("" for a new one)

    def to_dict(self) -> dict[str, Any]:
        """The change for `--json`: `detail` in English as before, and the reason's code when it has one."""
        data = {k: v for k, v in self.__dict__.items() if k not in ("said", "seen")}
        coded = Msg.from_json(self.said) if self.said else None
        return {**data, "detail_code": coded.code if coded else None}


def desired_posts(
    ws: Workspace, checked: Iterable[Checked], *, now: datetime, slot_finder: SlotFinder | None = None
) -> list[Desired]:
    """Pure: the desired state of every post, from the checked calendar."""
    out: list[Desired] = []
    for c in checked:
        item = c.item
        if item is None or item.status == "draft":
            continue
        for target in item.targets:
            out.append(_desired(ws, c, item, target, now, slot_finder))
    return out


def _desired(
    ws: Workspace, c: Checked, item: Item, target: Target, now: datetime, slot_finder: SlotFinder | None
) -> Desired:
    rules = ws.rules[target.platform]
    late = target.fields.get("late_window")
    late_s = rules.schedule.late_window_s if late is None else _seconds(late, rules.schedule.late_window_s)
    due = target.publish_at
    reason = ""
    if isinstance(due, str):
        found = slot_finder(target, item, now) if slot_finder else None
        if found is None:
            reason = f"publish_at: {due} — no free slot found (see schedules/slots.yaml)"
        due = found
    said: Msg | None = None
    if (target.platform, target.account) not in c.valid_targets:
        errors = [p for p in c.errors if not p.platform or p.platform == target.platform]
        first = problem_msg(errors[0]) if errors else "invalid"
        state, said = S.HELD, msg("reason.held", n=len(errors), first=first)
    elif ws.settings.require_approval and not item.approved_by:
        state, said = S.WAITING_APPROVAL, msg("reason.approval")
    elif due is None:
        state = S.PLANNED
        said = None if reason else msg("reason.unscheduled")
    else:
        state = S.QUEUED
    if said is not None:
        reason = said.text("en")
    coded = said.to_json() if said is not None else None
    return Desired(item.id, target.platform, target.account, state, due, late_s, item.hash, reason, coded)


def _seconds(value: Any, default: float) -> float:
    from publisher.errors import ConfigError
    from publisher.platforms.durations import duration as _duration

    try:
        return _duration(value, where="", key="")
    except ConfigError:
        return default


def with_overrides(store: Store, desired: list[Desired]) -> tuple[list[Desired], Overridden]:
    """A person's "publish now" (post.due_override_at) wins over the file's time until the post is sent.
    Also returns what the files alone want for each post an override changed: the writes decide again from
    the row as it is when they are written (`store.sync`), and a dry-run post has none."""
    overrides = due_overrides(store)
    if not overrides:
        return desired, {}
    out = []
    files: Overridden = {}
    for d in desired:
        key = (d.item_id, d.platform, d.account)
        when = overrides.get(key)
        if when is not None and d.state in (S.PLANNED, S.QUEUED):
            files[key] = d
            d = replace(d, due_at=when, state=S.QUEUED, reason=PUBLISH_NOW_REASON, reason_msg=None)
        out.append(d)
    return out, files


def diff(
    store: Store,
    checked: list[Checked],
    desired: list[Desired],
    *,
    item_ids: set[str] | None = None,
    now: datetime | None = None,
    modes: Mapping[str, str] | None = None,
    seen_up_to: int | None = None,
    files: Overridden | None = None,
) -> list[Change]:
    """What applying `desired` would change. `item_ids` limits the comparison (incremental re-sync);
    `modes` (account -> mode) and `now` let a dry-run post go out for real once its account is no longer a
    dry run. `seen_up_to` is the newest post id before the files were read: a post written after that (by a
    sync of another node whose folder got the item first) is not judged removed by this older reading.
    `files` (from `with_overrides`): what the files alone want where an override changed `desired`."""
    present = {c.item.id for c in checked if c.item}
    wanted = {(d.item_id, d.platform, d.account): d for d in desired}
    rows = synced_posts(store, item_ids)
    changes: list[Change] = []
    for key, d in wanted.items():
        row = rows.get(key)
        if row is None:
            changes.append(Change("new", *key, "", d.state.value, _when(d.due_at)))
            continue
        state = row.state
        if state == S.DRY_RUN:
            # The send that ended in dry_run cleared any "publish now", and none is made on a dry-run post:
            # the file's own time decides, even when this sync read an override before that send finished.
            d = (files or {}).get(key, d)
            mode = (modes or {}).get(key[2], "dry-run")
            if mode in REAL_MODES and d.state == S.QUEUED:
                changes.append(again := _after_dry_run(key, mode, d.due_at, now))
                if again.after == S.QUEUED.value and not _same(row.due_at, d.due_at):
                    changes.append(Change("due", *key, _when(row.due_at), _when(d.due_at), seen=state))
            continue  # still a dry-run account (or not queued): the dry run stands
        if state == S.PUBLISHED:
            if row.content_hash != d.content_hash:
                edited = msg("reason.changed_after_publish")
                changes.append(
                    Change(
                        "changed_after_publish",
                        *key,
                        state.value,
                        state.value,
                        edited.text("en"),
                        edited.to_json(),
                    )
                )
            continue
        if state not in SYNC_OWNED:
            continue  # in flight or waiting for a person: the queue decides
        target_state = d.state
        if state in (S.RETRYING, S.MISSED) and target_state == S.QUEUED:
            target_state = state  # keep the durable wait / the person's decision
        if state == S.CANCELLED and row.content_hash is None:
            # Cancelled by a person (queue.actions.cancel): the file as it is now is what they cancelled.
            # Take its version and time without bringing the post back; a later edit does.
            changes.append(Change("edited", *key, "", d.content_hash[:8], seen=state))
            continue
        if (
            state == S.CANCELLED
            and target_state != S.CANCELLED
            and row.content_hash == d.content_hash
            and _same(row.due_at, d.due_at)
        ):
            continue  # a person cancelled it; only an edit brings it back
        if target_state != state and can_transition(state, target_state):
            changes.append(Change("state", *key, state.value, target_state.value, d.reason, d.reason_msg))
        if not _same(row.due_at, d.due_at):
            changes.append(Change("due", *key, _when(row.due_at), _when(d.due_at), seen=state))
        if row.content_hash != d.content_hash:
            before = (row.content_hash or "")[:8]
            changes.append(Change("edited", *key, before, d.content_hash[:8], seen=state))
    for key, row in rows.items():
        if key in wanted or (seen_up_to is not None and row.id > seen_up_to):
            continue
        state = row.state
        if state != S.CANCELLED and state in SYNC_OWNED and can_transition(state, S.CANCELLED):
            why = ITEM_REMOVED if key[0] not in present else DRAFT_OR_PLATFORM_REMOVED
            said = REMOVED_REASONS[why].to_json()
            changes.append(Change("removed", *key, state.value, S.CANCELLED.value, why, said))
    return changes


#: Why sync cancels a post whose item left the calendar: the English stored as `reason`, its code beside it.
ITEM_REMOVED = "item removed"
DRAFT_OR_PLATFORM_REMOVED = "item set to draft or platform removed"
REMOVED_REASONS: dict[str, Msg] = {
    ITEM_REMOVED: msg("reason.item_removed"),
    DRAFT_OR_PLATFORM_REMOVED: msg("reason.draft_or_platform_removed"),
}

#: Account modes that send for real: a dry-run post of such an account is sent again (or shown to a person).
REAL_MODES = ("sandbox", "live")


def _after_dry_run(
    key: tuple[str, str, str], mode: str, due: datetime | None, now: datetime | None
) -> Change:
    """A dry-run post whose account now sends for real: queued again if its time is ahead, else a person's."""
    if due is not None and now is not None and due <= now:
        why = msg("reason.dry_run_passed", mode=mode, due=due.isoformat(timespec="minutes"))
        return Change("state", *key, S.DRY_RUN.value, S.NEEDS_ATTENTION.value, why.text("en"), why.to_json())
    why = msg("reason.dry_run_real", mode=mode)
    return Change("state", *key, S.DRY_RUN.value, S.QUEUED.value, why.text("en"), why.to_json())


def apply(
    store: Store,
    checked: list[Checked],
    desired: list[Desired],
    changes: list[Change],
    *,
    now: datetime,
    revision: RevisionStep | None = None,
    stored: Callable[[Checked], tuple[dict[str, Any], tuple[tuple[str, str, str], ...]]] = Checked.stored,
    files: Overridden | None = None,
) -> None:
    """Write the changes in one transaction; compare-and-set on state
    so a racing worker is never overridden (and on the newest synced revision, when `revision` is given).
    `stored` gives an item's front matter and rendered texts (`Calendar.stored`: a settled record's too).
    `files` (from `with_overrides`): what the files alone want where a person's "publish now" read before
    changed `desired`; the writes take the override from the row as it is when they are written."""
    if not changes:
        if revision is not None and revision.new != revision.expected:
            advance_revision(store, revision)
        return
    wanted = {(d.item_id, d.platform, d.account): d for d in desired}
    found = {c.item.id: c for c in checked if c.item is not None}
    touched = sorted(i for i in {ch.item_id for ch in changes} if i in found)
    # One item's front matter at a time (a lean record unpacks it): a first sync of a big calendar into an
    # empty store never holds every item's fields at once.
    records = (
        ItemRecord(item.id, item.path, item.hash, stored(c)[0], item.status, item.title)
        for c in (found[i] for i in touched)
        if (item := c.item) is not None
    )
    writes: list[SyncWrite] = []
    for ch in changes:
        key = (ch.item_id, ch.platform, ch.account)
        d = wanted.get(key)
        f = (files or {}).get(key, d)  # the files' own wish: a "publish now" is the row's to say (store.sync)
        if ch.kind == "new" and d is not None:
            writes.append(d)
        elif ch.kind == "state" and f is not None and ch.before != S.DRY_RUN.value:
            writes.append(
                Move(
                    *key,
                    S(ch.before),
                    f.state,  # what `desired` wants, unless an override it was read with is gone
                    f.reason,
                    reset_retry=f.state == S.QUEUED,
                    reason_msg=f.reason_msg,
                    override_wins=f.state in (S.PLANNED, S.QUEUED),  # as `with_overrides` decides
                )
            )
        elif ch.kind == "state":  # a dry-run post (its account sends for real now), or one the files lost
            after = S(ch.after)
            writes.append(
                Move(*key, S(ch.before), after, ch.detail, reset_retry=after == S.QUEUED, reason_msg=ch.said)
            )
        elif ch.kind in ("due", "edited") and f is not None:
            # A post a person cancelled after this sync read it stays as they left it (its version unset, so
            # that only a later edit brings it back); one this sync saw cancelled takes the file's version.
            owned = SYNC_OWNED if ch.seen == S.CANCELLED.value else SYNC_OWNED - {S.CANCELLED}
            writes.append(
                Reschedule(
                    *key,
                    f.due_at,  # the file's time: a "publish now" still standing is kept by `keep_override`
                    f.late_window_s,
                    f.content_hash,
                    frozenset(owned),
                    keep_override=f.state in (S.PLANNED, S.QUEUED),  # as `with_overrides` decides
                )
            )
        elif ch.kind == "removed":
            writes.append(Move(*key, S(ch.before), S.CANCELLED, ch.detail, reason_msg=ch.said))
        elif ch.kind == "changed_after_publish":
            writes.append(Note(*key, ch.detail))  # a note: the post keeps its own (published) reason
    write_sync(store, records, writes, now=now, revision=revision)
    # What each post would send, for `publisher check`'s comparison with published posts (kept once sent);
    # by batches of items, for the same reason.
    for start in range(0, len(touched), TEXT_BATCH):
        record_texts(
            store,
            [
                (item_id, platform, account, text)
                for item_id in touched[start : start + TEXT_BATCH]
                for platform, account, text in stored(found[item_id])[1]
            ],
            now=now,
        )


#: items whose texts are recorded per transaction after a sync's writes
TEXT_BATCH = 500


def _same(a: datetime | None, b: datetime | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs((a - b).total_seconds()) < 1


def _when(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@dataclass(frozen=True)
class FolderRevision:
    """The commit this node's copy of the folder is at, against the newest one synced into a shared store."""

    local: Revision
    newest: Revision | None
    place: Standing

    @property
    def behind(self) -> bool:
        return self.place == "behind"

    def notice(self) -> Msg | None:
        """The one line that says this copy is behind (with `git pull` as the fix), or None."""
        if not self.behind or self.newest is None:
            return None
        return msg("cli.copy_behind", commit=self.local.short, newest=self.newest.short)

    def to_json(self) -> dict[str, str]:
        """This copy's commit and the newest one synced (as `sync --json` says "behind")."""
        return {"commit": self.local.commit, "newest": self.newest.commit if self.newest else ""}

    def step(self) -> RevisionStep:
        """The compare-and-set that records this sync's revision (the newest stays when it is the same)."""
        expected = None if self.newest is None else self.newest.to_json()
        return RevisionStep(expected, self.local.to_json())


@dataclass(frozen=True)
class SyncResult:
    """The outcome of one sync: what changed, and the calendar as checked. `revision` is set on a shared
    store when the folder is a git checkout; when its copy is behind, nothing was compared or written."""

    changes: tuple[Change, ...]
    check: CheckResult
    applied: bool
    revision: FolderRevision | None = None

    @property
    def behind(self) -> bool:
        return self.revision is not None and self.revision.behind


def folder_revision(ws: Workspace, store: Store, git: GitFolder | None = None) -> FolderRevision | None:
    """How this node's copy stands against the newest revision synced: None on SQLite (one node, one folder)
    or when the folder is not a git checkout."""
    if store.is_sqlite:
        return None
    git = git or GitFolder(ws.root, ws.settings.language)
    local = git.head()
    if local is None:
        return None
    newest = Revision.from_json(newest_revision(store))
    return FolderRevision(local, newest, standing(local, newest, git.is_ancestor))


#: how often a sync judges its folder again when other nodes keep syncing newer revisions meanwhile
REVISION_TRIES = 3


def sync_calendar(
    ws: Workspace,
    store: Store,
    *,
    now: datetime,
    calendar: Calendar | None = None,
    apply_changes: bool = True,
    git: GitFolder | None = None,
) -> SyncResult:
    """Bring the store in line with the files (or, with apply_changes=False, only say what would change)."""
    calendar = calendar or Calendar(ws)
    for attempt in range(REVISION_TRIES):
        try:
            return _sync(ws, store, now=now, calendar=calendar, apply_changes=apply_changes, git=git)
        except RevisionMoved:
            if attempt + 1 == REVISION_TRIES:
                raise
    raise AssertionError("unreachable")


def _sync(
    ws: Workspace,
    store: Store,
    *,
    now: datetime,
    calendar: Calendar,
    apply_changes: bool,
    git: GitFolder | None,
) -> SyncResult:
    # The commit first, then the files: files read after it are at least that new (a pull meanwhile only
    # makes them newer, and its own save syncs again).
    revision = folder_revision(ws, store, git)
    seen_up_to = newest_post_id(store)  # before the files are read: see diff()
    checked, _ = calendar.scan()
    if revision is not None and revision.behind:
        return SyncResult((), CheckResult(tuple(checked)), apply_changes, revision)
    desired, files = with_overrides(
        store, desired_posts(ws, checked, now=now, slot_finder=slot_finder(ws, store))
    )
    modes = {name: account.mode for name, account in ws.settings.accounts.items()}
    changes = diff(store, checked, desired, now=now, modes=modes, seen_up_to=seen_up_to, files=files)
    if apply_changes:
        step = revision.step() if revision is not None else None
        apply(store, checked, desired, changes, now=now, revision=step, stored=calendar.stored, files=files)
        calendar.settle(checked)  # the store holds every item's front matter and texts now
        # The posts due soon rendered now, so their sends read the payload (`calendar.ready`).
        prepare(ws, store, calendar, checked, now=now)
    return SyncResult(tuple(changes), CheckResult(tuple(checked)), apply_changes, revision)


def slot_finder(ws: Workspace, store: Store) -> SlotFinder:
    """`publish_at: best` (the account's own history) and `publish_at: slot` (schedules/slots.yaml).

    Made when an item first asks for a slot: a calendar of fixed times (the usual case, and the daemon's)
    never loads the reports' best-time code, nor reads the slots file."""
    made: list[SlotFinder] = []

    def find(target: Target, item: Item, now: datetime) -> datetime | None:
        if not made:
            from publisher.calendar.slots import finder
            from publisher.reports import best_time_finder

            made.append(best_time_finder(ws, store, fallback=finder(ws, store)))
        return made[0](target, item, now)

    return find
