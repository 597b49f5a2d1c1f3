"""The whole calendar: scan `content/`, parse what changed since the last scan,
and check every item per platform."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import multiprocessing as mp
import os
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from publisher.compliance import similar
from publisher.compliance.scan import check_item
from publisher.content.digests import DigestCache, Entry, Stamp, stamp_of
from publisher.content.files import read_capped
from publisher.content.frontmatter import MAX_FILE_BYTES
from publisher.content.item import ContentContext, read_item, relative_name
from publisher.messages import Msg, msg
from publisher.models import Item, Problem, Target
from publisher.platforms.rules import alias_map
from publisher.render.engine import Renderer
from publisher.workspace.settings import Workspace

if TYPE_CHECKING:
    from publisher.store.texts import PublishedText

logger = logging.getLogger(__name__)
PARALLEL_FROM = 400  # below this many files to check, starting worker processes costs more than it saves
#: A file whose check takes longer than this is named in the log (warning), so a slow sync says which file
#: it spent its time on (issue 11: a daemon's re-sync once burned 30 s on one file with nothing logged).
SLOW_FILE_S = 1.0
DIGESTS_FILE = "digests.json"  # in the workspace's cache folder: media digests kept across runs


@dataclass(frozen=True, slots=True)  # one per file the daemon holds: no __dict__
class Checked:
    """One file's outcome: the item (None if unreadable), its problems, and which targets are valid."""

    path: str
    item: Item | None
    problems: tuple[Problem, ...]
    valid_targets: frozenset[tuple[str, str]]  # (platform, account) pairs that passed every check
    digest: bytes = field(default=b"", compare=False)  # sha256 of the file's bytes as checked (b"": unknown)
    # (platform, account, rendered text normalised for the near-duplicate guard), one per target
    texts: tuple[tuple[str, str, str], ...] = field(default=(), compare=False)
    # True for a lean record (Calendar(lean=True)): the item keeps what scheduling needs (id, path, status,
    # title, hash, approval, each target's platform, account, time and late window) but not its body, line
    # map, digest, front matter or rendered texts; the last two, which sync writes to the store, are packed.
    lean: bool = field(default=False, compare=False)
    packed: bytes = field(default=b"", compare=False)  # lean: zlib of the JSON [front matter, texts]

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as its constructor's arguments, as Item and Target are (a parallel scan sends one a file).
        return Checked, (
            self.path,
            self.item,
            self.problems,
            self.valid_targets,
            self.digest,
            self.texts,
            self.lean,
            self.packed,
        )

    @property
    def errors(self) -> tuple[Problem, ...]:
        if not self.problems:  # most files: nothing to look through
            return ()
        return tuple(p for p in self.problems if p.severity == "error")

    def slim(self) -> Checked:
        """This outcome as a lean record (about a third of the memory of a parsed one)."""
        if self.lean:
            return self
        if self.item is None:
            return replace(self, texts=(), lean=True, digest=b"")
        item = self.item
        # The names every record repeats are interned (one object each, also through a worker's pickle).
        targets = tuple(
            Target(
                sys.intern(t.platform),
                sys.intern(t.account),
                {k: t.fields[k] for k in _LEAN_TARGET_FIELDS if k in t.fields} or _NO_FIELDS,
                t.publish_at,
                t.line,
            )
            for t in item.targets
        )
        valid = frozenset((sys.intern(p), sys.intern(a)) for p, a in self.valid_targets)
        valid = _SHARED_TARGET_SETS.setdefault(valid, valid)
        lean_item = replace(
            item, status=sys.intern(item.status), body="", fields=_NO_FIELDS, lines=_NO_LINES, targets=targets
        )
        packed = json.dumps([jsonable(item.fields), self.texts], ensure_ascii=False, separators=(",", ":"))
        return replace(
            self,
            path=item.path if item.path == self.path else self.path,
            item=lean_item,
            valid_targets=valid,
            texts=(),
            lean=True,
            digest=b"",  # only `Calendar.cached` reads it, and never of a lean record
            packed=zlib.compress(packed.encode(), 1),
        )

    @property
    def settled(self) -> bool:
        """A lean record of an item whose front matter and texts the store holds: their packed copy is
        dropped (`settle`), and `Calendar.stored` reads the file again if a later sync needs them."""
        return self.lean and self.item is not None and not self.packed

    def settle(self) -> None:
        """Drop this lean record's packed front matter and texts (about half a KB an item) once sync has
        written them; any other record stays as it is. In place, the one change a record ever sees: every
        list and cache holding it sees it settled, and no record is copied (copying each at the end of a big
        first sync would raise the daemon's peak). `packed` takes no part in equality or hashing."""
        if self.lean and self.packed and self.item is not None:
            object.__setattr__(self, "packed", b"")

    def stored(self) -> tuple[dict[str, Any], tuple[tuple[str, str, str], ...]]:
        """What sync writes of the item besides its scheduling: the front matter as JSON data, and the
        rendered texts (a lean record unpacks them; a settled one has them no more: `Calendar.stored`)."""
        if not self.lean:
            return (jsonable(self.item.fields) if self.item is not None else {}), self.texts
        if self.settled:
            raise ValueError(f"{self.path}: a settled record holds no front matter; use Calendar.stored")
        if not self.packed:
            return {}, ()
        fields, texts = json.loads(zlib.decompress(self.packed))
        return fields, tuple((p, a, t) for p, a, t in texts)


#: the target fields a lean record keeps: what sync reads besides the target's time
_LEAN_TARGET_FIELDS = ("late_window",)
#: the empty mappings every lean record shares (read-only, as all of an Item's fields are)
_NO_FIELDS: dict[str, Any] = {}
_NO_LINES: dict[str, int] = {}
#: one object per set of valid targets among lean records (most items share theirs with many others)
_SHARED_TARGET_SETS: dict[frozenset[tuple[str, str]], frozenset[tuple[str, str]]] = {}
#: files per task of a parallel scan: small tasks, so results come back (and are unpickled) while the others
#: are still being checked, and the cores finish together
_TASK = 100
#: files per task of a lean parallel scan: small tasks, so few results wait, pickled, at once
_LEAN_TASK = 250
#: the fewest files per task, the size of the last tasks of a parallel scan
_MIN_TASK = 5
#: files the scanning process checks between looks at its workers' tasks (taking results, feeding new tasks)
_OWN_TASK = 20


def jsonable(value: Any) -> Any:
    """Front matter as JSON data (datetimes as ISO 8601 text)."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def concerns(problem: Problem) -> str | None:
    """The platform or account a problem is about (its `platform`, or NAME in a `platforms.NAME...` field);
    None for a problem of the item itself."""
    if problem.platform:
        return problem.platform
    parts = problem.field.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "platforms" else None


@dataclass
class Calendar:
    """Keeps the last scan in memory so a re-scan parses and checks only the files that changed.

    `lean` (the daemon): each file's outcome is kept and returned as a lean record (`Checked.slim`), never
    the parsed body; what is sent or previewed is read from disk again. A big cold scan's workers
    send back lean records too, so the parsed calendar never sits in this process at once."""

    ws: Workspace
    lean: bool = False
    slow_file_s: float = SLOW_FILE_S
    renderer: Renderer = field(init=False)
    # file (`_key`) -> (mtime, size, outcome, media it read); keyed by text, not a Path: a Path kept per file
    # (with the text and parts it caches) cost the daemon about 5 MB at 10,000 files
    _files: dict[str, tuple[int, int, Checked, frozenset[Path]]] = field(default_factory=dict)
    _erred: set[str] = field(default_factory=set)  # the files of `_files` whose outcome has errors
    _media: dict[Path, tuple[Stamp, bytes]] = field(default_factory=dict)  # media file -> (stamp, sha256)
    _dup: dict[str, list[str]] = field(default_factory=dict)
    _ids: dict[str, str] | None = None  # item id -> file, from the last scan (built when first asked)
    _prints: dict[str, similar.Fingerprint | None] = field(default_factory=dict)  # normalised text -> print
    _dhashes: dict[Path, tuple[int, int, int]] = field(default_factory=dict)  # image -> (mtime, size, dhash)
    _scores: dict[tuple[int, int], float] = field(default_factory=dict)  # (id, id) of kept prints -> score
    _used_sets: dict[frozenset[Path], frozenset[Path]] = field(default_factory=dict)  # one object per set
    # (file, item hash, platform, account) -> the send-ready entry a sync made or found for that post
    # (`calendar.ready.prepare`): a later sync does not parse the file again to name it
    prepared: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    # the send-ready entries of this calendar's renders (`calendar.ready.kept`), shared by its syncs and sends
    send_ready: object = field(default=None, init=False, repr=False)
    # the media digests kept across runs (in the cache folder, shared with the rehearsal, sync and daemon)
    digests: DigestCache = field(init=False)
    _root: str = field(init=False, default="")  # the workspace folder's name, ending in a separator
    _scan_media: dict[Path, bytes] | None = field(init=False, default=None)  # in a scan: each file's digest

    def __post_init__(self) -> None:
        self._root = str(self.ws.root) + os.sep
        self.renderer = Renderer(self.ws.rules, self.ws.root, self.ws.cache_dir, utm=self.ws.settings.utm)
        self.digests = DigestCache(self.ws.cache_dir / DIGESTS_FILE)

    def context(self) -> ContentContext:
        rules = self.ws.rules
        return ContentContext(
            root=self.ws.root,
            content_dir=self.ws.content_dir,
            zone=self.ws.zone,
            platforms={name: r.fields for name, r in rules.items()},
            accounts={n: a.platform for n, a in self.ws.settings.accounts.items()},
            default_account=self.ws.default_account,
            resolve=self.renderer.resolve,
            aliases=alias_map(rules),
        )

    def files(self) -> Iterator[Path]:
        """Markdown files under content/, skipping hidden folders; sorted for stable output."""
        return (Path(name) for name in self._names())

    def _names(self) -> list[str]:
        """The names of `files()`, in their order (a Path is made only for a file that is checked)."""
        found: list[str] = []
        stack = [self.ws.content_dir]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.name.endswith(".md"):
                    found.append(entry.path)
        # Path order, compared in C (Path.__lt__ is Python: a re-scan of 10,000 files spent a tenth of its
        # time there). `parts` compares as Path does on POSIX; elsewhere Path compares case-folded.
        found.sort(key=_order)
        return found

    def scan(self) -> tuple[list[Checked], set[str]]:
        """All files' outcomes, and the set of paths whose content changed since the previous scan."""
        seen: set[str] = set()
        changed: set[str] = set()
        stale_media = self._stale_media()
        self.renderer.begin_scan()
        self.digests.begin()
        # each file to check by its name: a Path is made where it is checked (a Path per file of a big scan
        # interns its parts, and Python's table of interned text, once grown, keeps its size)
        todo: list[tuple[str, tuple[int, int]]] = []
        ordered: list[str] = []
        root, cut, files, erred = self._root, len(self._root), self._files, self._erred
        for name in self._names():
            # `_key`, inlined: this loop runs once per file on every re-scan of the folder
            rel = name[cut:] if name.startswith(root) and os.sep == "/" else self._key(name)
            ordered.append(rel)
            seen.add(rel)
            try:
                st = os.stat(name)
            except OSError:
                continue
            key = (st.st_mtime_ns, st.st_size)
            cached = files.get(rel)
            # A file with errors is checked again: the media it misses may have appeared since.
            if (
                cached
                and cached[0] == key[0]
                and cached[1] == key[1]
                and not (stale_media and cached[3] & stale_media)
                and rel not in erred
            ):
                continue
            todo.append((name, key))
        with _collector_paused(freeze=len(todo) >= FREEZE_AFTER), self.renderer.checking(), self._one_look():
            for name, key, checked, used in self._check_many(todo):
                rel = self._key(name)
                rel = checked.path if checked.path == rel else rel  # one string for the key and the record
                cached = self._files.get(rel)
                if (
                    not cached
                    or cached[2].item is None
                    or checked.item is None
                    or cached[2].item.hash != checked.item.hash
                    or cached[2].problems != checked.problems
                ):
                    changed.add(checked.path)
                used_set = frozenset(used)
                self._files[rel] = (key[0], key[1], checked, self._used_sets.setdefault(used_set, used_set))
                if checked.errors:
                    erred.add(rel)
                else:
                    erred.discard(rel)
        for gone in set(self._files) - seen:
            changed.add(self._files.pop(gone)[2].path)
            erred.discard(gone)
        self._ids = None
        files = self._files  # its paths are the seen ones (the gone were dropped): already in order
        if self.digests.dirty:  # the media of every file now: a deleted photo's entry goes
            self.digests.save(keep=frozenset().union(*(used for _m, _s, _c, used in files.values())))
        return self._with_duplicates([files[p][2] for p in ordered if p in files]), changed

    @contextmanager
    def _one_look(self) -> Iterator[None]:
        """Each media file's digest looked up once while files are checked (`_media_hash`)."""
        outer = self._scan_media
        if outer is None:
            self._scan_media = {}
        try:
            yield
        finally:
            self._scan_media = outer

    def _check_many(
        self, todo: list[tuple[str, tuple[int, int]]]
    ) -> Iterator[tuple[str, tuple[int, int], Checked, set[Path]]]:
        """Check files here, or, for a big cold scan, on every core (parsing is CPU-bound pure Python).

        In parallel a full calendar's process is one of the checkers: it takes tasks from the back of the list
        while the worker processes take them from the front, so its share needs no pickling, and it unpickles
        the workers' small tasks as they finish rather than all of them at the end. A lean calendar's (the
        daemon's) checks nothing itself and starts one worker more: a check makes and drops a parsed item's
        many small objects, and made here, between the lean records kept, they left the daemon's heap holding
        pages it could not give back (10,000 items: 3 to 4 MB more after its first sync)."""
        workers = min(os.cpu_count() or 1, 8)
        if len(todo) < PARALLEL_FROM or workers < 2:
            yield from self._check_here(todo)
            return
        # fork is cheap and inherits the loaded modules, but forking a threaded process is unsafe: spawn then.
        method = "fork" if threading.active_count() == 1 and "fork" in mp.get_all_start_methods() else "spawn"
        size = _TASK if not self.lean else _LEAN_TASK
        own = not self.lean  # whether this process checks a share itself
        helpers = workers - 1 if own else workers
        lo, hi = 0, len(todo)  # workers take tasks from todo[lo:], this process from todo[:hi]

        def task_size() -> int:
            # Smaller tasks as the two ends meet: when this process runs out, it waits for the workers' last
            # tasks (one running and one waiting, each), so those are a few files, not a full task.
            return min(size, max(_MIN_TASK, (hi - lo) // (4 * workers)))

        pending: list[Future[_Chunk]] = []
        sent: dict[Future[_Chunk], list[tuple[str, tuple[int, int]]]] = {}  # each task's files, in order
        with ProcessPoolExecutor(helpers, mp_context=mp.get_context(method)) as pool:
            _roomy_results(pool)

            def feed() -> None:
                nonlocal lo
                while lo < hi and len(pending) < 2 * helpers:  # one running, one waiting, each
                    task = todo[lo : min(hi, lo + task_size())]
                    lo += len(task)
                    args = (str(self.ws.root), dict(self.ws.env), [name for name, _key in task], self.lean)
                    pending.append(pool.submit(_check_chunk, *args))
                    sent[pending[-1]] = task

            def take(future: Future[_Chunk]) -> Iterator[tuple[str, tuple[int, int], Checked, set[Path]]]:
                results, media, digests = future.result()
                self._media.update(media)
                self.digests.merge(digests)
                # a task's outcomes come back in its files' order, without their names (this process has them)
                for (name, key), (checked, used) in zip(sent.pop(future), results, strict=True):
                    yield name, key, checked, used

            feed()
            while pending or lo < hi:
                for future in [f for f in pending if f.done()]:
                    pending.remove(future)
                    yield from take(future)
                feed()
                if own and lo < hi:
                    # a few files at a time, so finished tasks are taken and new ones fed soon: a worker
                    # whose queued task ended before this process came back for it waited
                    task = todo[max(lo, hi - min(task_size(), _OWN_TASK)) : hi]
                    hi -= len(task)
                    yield from self._check_here(task)
                elif pending:
                    yield from take(pending.pop(0))

    def _check_here(
        self, todo: list[tuple[str, tuple[int, int]]]
    ) -> Iterator[tuple[str, tuple[int, int], Checked, set[Path]]]:
        ctx = self.context()
        for name, key in todo:
            used: set[Path] = set()
            checked = self.check_file(Path(name), ctx, used)
            yield name, key, checked.slim() if self.lean else checked, used

    def check_file(
        self, path: Path, ctx: ContentContext | None = None, used: set[Path] | None = None
    ) -> Checked:
        """Parse and check one file for every target platform; one broken file never stops the others.
        A check slower than `slow_file_s` is logged with the file's name."""
        began = time.monotonic()
        try:
            return self._check_file(path, ctx, used)
        except Exception as exc:  # a bug in a checker must not hide the other items' results
            logger.debug("checking %s failed", path, exc_info=True)
            rel = path.relative_to(self.ws.root).as_posix()
            problem = Problem.of(
                rel,
                1,
                "file",
                msg("internal_error", kind=type(exc).__name__, why=str(exc)),
                msg("internal_error.hint"),
            )
            return Checked(rel, None, (problem,), frozenset())
        finally:
            took = time.monotonic() - began
            if took > self.slow_file_s:
                logger.warning(
                    "checking %s took %.1f s (a large file, or front matter or a template doing much work)",
                    path.relative_to(self.ws.root).as_posix() if path.is_relative_to(self.ws.root) else path,
                    took,
                )

    def check_text(self, path: Path, text: str) -> Checked:
        """Check `text` as if it were the file at `path` (under content/), without reading or writing that
        path: what a form's draft would be if it were saved. One broken draft never raises."""
        try:
            return self._check_file(path, None, None, raw=text.encode("utf-8"))
        except Exception as exc:  # as in check_file: a checker's bug is reported, never a traceback
            logger.debug("checking a draft for %s failed", path, exc_info=True)
            rel = path.relative_to(self.ws.root).as_posix()
            problem = Problem.of(rel, 1, "file", msg("internal_error", kind=type(exc).__name__, why=str(exc)))
            return Checked(rel, None, (problem,), frozenset())

    def _check_file(
        self, path: Path, ctx: ContentContext | None, used: set[Path] | None, raw: bytes | None = None
    ) -> Checked:
        used = set() if used is None else used

        def media_hash(media: Path) -> bytes:
            used.add(media)
            return self._media_hash(media)

        # The bytes are hashed before they are parsed: if the file changes in between, the digest is of the
        # older bytes, so a later comparison with the file fails and the file is checked again (never the
        # reverse).
        if raw is not None:
            digest = hashlib.sha256(raw).digest()
        else:
            try:
                raw = read_capped(path, MAX_FILE_BYTES)
                digest = hashlib.sha256(raw).digest()
            except OSError:
                raw, digest = None, b""
        item, problems = read_item(path, ctx or self.context(), media_hash=media_hash, raw=raw)
        rel = relative_name(path, self.ws.root)
        valid: set[tuple[str, str]] = set()
        texts: list[tuple[str, str, str]] = []
        if item is not None:
            problems += check_item(item, self.ws.compliance)
            # Only a problem of the item itself holds every post; one under `platforms.NAME` (a missing
            # Douyin video, a misspelt platform, one platform's image typo) holds that target alone.
            item_level = [p for p in problems if p.severity == "error" and concerns(p) is None]
            # HTML articles last: their renderer takes over the shared parse of the body (no copy needed).
            for target in sorted(item.targets, key=self.renderer.mutates_parse):
                _media, media_problems = self.renderer.check_media(item, target, process=False)
                fields, text_problems = self.renderer.render_text(item, target, exact=False)
                rules = self.ws.rules[target.platform]
                shown = " ".join(str(fields[k]) for k in rules.text if isinstance(fields.get(k), str))
                texts.append((target.platform, target.account, similar.normalize(shown)))
                mine = text_problems + media_problems
                problems += mine
                if (
                    not item_level
                    and not any(p.severity == "error" for p in mine)
                    and not any(
                        p.severity == "error" and concerns(p) in (target.platform, target.account)
                        for p in problems
                    )
                ):
                    valid.add((target.platform, target.account))
        return Checked(rel, item, tuple(problems), frozenset(valid), digest, tuple(texts))

    def stored(self, checked: Checked) -> tuple[dict[str, Any], tuple[tuple[str, str, str], ...]]:
        """What sync writes of an item besides its scheduling (`Checked.stored`); for a settled lean record,
        from its file checked again. Rare: only a change the file did not make (a person's "publish now", a
        slot that moved) touches an item whose record is settled. Had the file changed since, the front
        matter is the newer one, and the sync that change starts writes its hash too."""
        if not checked.settled:
            return checked.stored()
        return self.check_file(self.ws.root / checked.path).stored()

    def settle(self, checked: list[Checked]) -> None:
        """Sync has written `checked` (this calendar's last scan): the store holds every item's front matter
        and rendered texts, so a lean calendar drops its packed copies of them (`Checked.settle`; the records
        are the ones its cache holds). A full calendar keeps everything."""
        if self.lean:
            for c in checked:
                c.settle()

    def path_of(self, item_id: str) -> Path | None:
        """The file that held `item_id` at the last scan; None when unknown or when several files claim it."""
        if self._ids is None:
            ids: dict[str, str] = {}
            taken: set[str] = set()
            for path, (_m, _s, checked, _u) in list(self._files.items()):
                if checked.item is None:
                    continue
                if checked.item.id in ids:
                    taken.add(checked.item.id)
                ids[checked.item.id] = path
            self._ids = {k: v for k, v in ids.items() if k not in taken}
        found = self._ids.get(item_id)
        return self.ws.root / found if found is not None else None

    def _key(self, name: str) -> str:
        """The cache's key for a file's name: its workspace-relative path with "/" (the text its outcome
        holds as `Checked.path`, so the key can be that very string), or the name itself outside the
        workspace."""
        if not name.startswith(self._root):
            return name
        rel = name[len(self._root) :]
        return rel if os.sep == "/" else rel.replace(os.sep, "/")

    def cached(self, path: Path, digest: bytes) -> tuple[Checked, frozenset[Path]] | None:
        """The last scan's outcome for `path` (and the media it read) if it was checked from exactly these
        bytes and none of those media files changed since; else None. Lets a send-time re-check skip a
        re-parse. An outcome with errors is never reused (as in scan): the media it missed may have appeared
        since."""
        cached = self._files.get(self._key(str(path)))
        if cached is None or not digest or cached[2].digest != digest or cached[2].errors or cached[2].lean:
            return None
        for media in cached[3]:
            stamp = self._media.get(media)
            try:
                st = media.stat()
            except OSError:
                return None
            if stamp is None or stamp[0] != stamp_of(st):
                return None
        return cached[2], cached[3]

    def reread(self, path: Path, raw: bytes) -> tuple[Checked, frozenset[Path]] | None:
        """For a lean record (a daemon's calendar): the item parsed again from `raw`, the file's bytes now,
        with the last scan's outcome, when the item's hash (its bytes and every media file's) is the one that
        scan checked; else None. A send-time re-check then parses the file but does not check it again, as
        `cached` does for a full record. An outcome with errors is never reused (as in `cached`)."""
        cached = self._files.get(self._key(str(path)))
        if cached is None or not cached[2].lean or cached[2].item is None or cached[2].errors:
            return None
        used: set[Path] = set()

        def media_hash(media: Path) -> bytes:
            used.add(media)
            return self._media_hash(media)

        item, _problems = read_item(path, self.context(), media_hash=media_hash, raw=raw)
        if item is None or item.hash != cached[2].item.hash:
            return None
        record = cached[2]
        return Checked(record.path, item, record.problems, record.valid_targets), frozenset(used)

    def _media_hash(self, path: Path) -> bytes:
        """The SHA-256 of a media file: from this calendar's last look while its stamp is unchanged, else
        from the digests kept across runs, else read and hashed. Within a scan, a file is looked at once:
        items naming the same picture take its first look's digest (a picture edited during the scan is
        found stale, and its items checked again, by the next scan)."""
        memo = self._scan_media
        if memo is not None:
            known = memo.get(path)
            if known is not None:
                return known
        st = path.stat()
        stamp = stamp_of(st)
        cached = self._media.get(path)
        if cached and cached[0] == stamp:
            digest = cached[1]
        else:
            digest = self.digests.digest(path, st)
            self._media[path] = (stamp, digest)
        if memo is not None:
            memo[path] = digest
        return digest

    def _stale_media(self) -> set[Path]:
        """Media files edited, touched or replaced since they were hashed: each is stat-ed once per scan."""
        stale = set()
        for path, (stamp, _digest) in list(self._media.items()):
            try:
                st = path.stat()
            except OSError:
                stale.add(path)
                self._media.pop(path)
                continue
            if stamp_of(st) != stamp:
                stale.add(path)
                self._media.pop(path)
        return stale

    def with_near_duplicates(
        self, checked: list[Checked], published: Sequence[PublishedText] = ()
    ) -> list[Checked]:
        """Warn on items whose rendered text is nearly the same as another item's within the window, or
        that send the same text to two accounts of one platform, or (with `published`, the store's history)
        as a post their platform published within the published window. Run by `publisher check`, not by
        every re-scan of the daemon (it is a pass over every text)."""
        settings = self.ws.settings.compliance
        prints: dict[str, similar.Fingerprint | None] = {}
        texts: list[similar.Text] = []
        for index, c in enumerate(checked):
            if c.item is None:
                continue
            when = {
                (t.platform, t.account): t.publish_at if isinstance(t.publish_at, datetime) else None
                for t in c.item.targets
            }
            for platform, account, text in c.texts:
                if text not in prints:
                    prints[text] = self._prints[text] if text in self._prints else similar.fingerprint(text)
                fp = prints[text]
                if fp is not None:
                    texts.append(similar.Text(index, platform, account, when.get((platform, account)), fp))
        history = self._history_texts(checked, published, prints, len(texts))
        texts += history
        self._prints = prints
        # Scores are keyed by the prints' ids: keep only those of prints still held (an id may be reused).
        alive = {id(fp) for fp in prints.values() if fp is not None}
        self._scores = {k: v for k, v in self._scores.items() if k[0] in alive and k[1] in alive}
        floor = max(0.01, settings.similarity - IMAGE_MARGIN)
        best: dict[tuple[int, int], tuple[float, similar.Pair, bool]] = {}
        images: dict[int, list[int]] = {}

        def images_of(index: int) -> list[int]:
            if index not in images:
                item = checked[index].item
                images[index] = self._images(item) if item is not None else []
            return images[index]

        n = len(checked)
        window = max(settings.window, settings.published_window)
        earlier: dict[int, list[tuple[float, Msg, bool]]] = {}
        for pair in similar.similar_pairs(texts, floor, window, self._scores):
            if pair.a.owner >= n or pair.b.owner >= n:
                self._published_pair(checked, published, pair, earlier)
                continue
            if _apart(pair.a, pair.b) > settings.window:
                continue
            via_images = False
            if pair.score < settings.similarity:
                if not similar.same_images(images_of(pair.a.owner), images_of(pair.b.owner)):
                    continue
                via_images = True
            key = (pair.a.owner, pair.b.owner)
            if key not in best or pair.score > best[key][0]:
                best[key] = (pair.score, pair, via_images)
        if not best and not earlier:
            return checked
        found: dict[int, list[tuple[float, Msg, bool]]] = earlier
        for (i, j), (score, pair, via_images) in best.items():
            a, b = pair.a, pair.b
            if i == j:
                what = msg("dup_self", platform=a.platform, a=a.account, b=b.account)
                found.setdefault(i, []).append((score, what, via_images))
                continue
            for mine, other in ((i, j), (j, i)):
                path = checked[other].path
                where = (
                    msg("dup_accounts", path=path, platform=a.platform, a=a.account, b=b.account)
                    if a.platform == b.platform and a.account != b.account
                    else msg("dup_other", path=path, pa=a.platform, pb=b.platform)
                )
                found.setdefault(mine, []).append((score, where, via_images))
        out = list(checked)
        for index, items in found.items():
            c = out[index]
            assert c.item is not None
            extra = _near_duplicate_problems(c.item, c.path, items)
            out[index] = replace(c, problems=(*c.problems, *extra))
        return out

    def _history_texts(
        self,
        checked: list[Checked],
        published: Sequence[PublishedText],
        prints: dict[str, similar.Fingerprint | None],
        start: int,
    ) -> list[similar.Text]:
        """The published posts as texts of owners past the calendar's (index len(checked) + k)."""
        out = []
        for k, post in enumerate(published):
            if post.text not in prints:
                cached = self._prints.get(post.text)
                prints[post.text] = cached if cached is not None else similar.fingerprint(post.text)
            fp = prints[post.text]
            if fp is not None:
                out.append(similar.Text(len(checked) + k, post.platform, post.account, post.published_at, fp))
        return out

    def _published_pair(
        self,
        checked: list[Checked],
        published: Sequence[PublishedText],
        pair: similar.Pair,
        found: dict[int, list[tuple[float, Msg, bool]]],
    ) -> None:
        """An item and a published post: warned on the item when they are on one platform, alike above the
        threshold and within the published window (never the item's own published post)."""
        n = len(checked)
        mine, theirs = (pair.a, pair.b) if pair.a.owner < n else (pair.b, pair.a)
        if mine.owner >= n or mine.platform != theirs.platform:
            return
        settings = self.ws.settings.compliance
        post = published[theirs.owner - n]
        item = checked[mine.owner].item
        if item is None or item.id == post.item_id or pair.score < settings.similarity:
            return
        if _apart(mine, theirs) > settings.published_window:
            return
        when = post.published_at.astimezone(self.ws.zone).strftime("%Y-%m-%d %H:%M")
        what = msg(
            "dup_published",
            path=post.path,
            title=post.title,
            platform=post.platform,
            account=post.account,
            when=when,
            id=post.post_id,
        )
        mine_found = found.setdefault(mine.owner, [])
        if all(w != what for _s, w, _i in mine_found):
            mine_found.append((pair.score, what, False))

    def _images(self, item: Item) -> list[int]:
        """Difference hashes of the item's top-level images and cover (cached by file stamp)."""
        refs = [r for r in (item.fields.get("images") or []) if isinstance(r, str)]
        if isinstance(item.fields.get("cover"), str):
            refs.append(item.fields["cover"])
        out = []
        for ref in refs:
            path = self.renderer.resolve(ref, self.ws.root / item.path)
            if not isinstance(path, Path):
                continue
            try:
                st = path.stat()
                cached = self._dhashes.get(path)
                if cached is None or cached[:2] != (st.st_mtime_ns, st.st_size):
                    cached = self._dhashes[path] = (st.st_mtime_ns, st.st_size, similar.dhash(path))
            except (OSError, ValueError):  # unreadable: check_media reports it
                continue
            out.append(cached[2])
        return out

    def _with_duplicates(self, checked: list[Checked]) -> list[Checked]:
        ids: set[str] = set()
        twice: set[str] = set()
        for c in checked:
            if c.item is not None:
                (twice if c.item.id in ids else ids).add(c.item.id)
        if not twice:
            return checked
        by_id: dict[str, list[Checked]] = {}
        for c in checked:
            if c.item is not None:
                by_id.setdefault(c.item.id, []).append(c)
        out = []
        for c in checked:
            dups = by_id.get(c.item.id, []) if c.item else []
            if c.item is not None and len(dups) > 1:
                others = ", ".join(d.path for d in dups if d is not c)
                line = c.item.lines.get("id", 1)
                problem = Problem.of(
                    c.path,
                    line,
                    "id",
                    msg("id_duplicate", id=c.item.id, others=others),
                    msg("id_duplicate.hint"),
                )
                c = replace(c, problems=(*c.problems, problem), valid_targets=frozenset())
            out.append(c)
        return out


#: bytes a worker's results may fill before its write waits for this process to read them (`_roomy_results`)
RESULT_PIPE_BYTES = 1 << 20


def _roomy_results(pool: ProcessPoolExecutor) -> None:
    """Let a worker write a task's results (a few hundred KB) at once and go on checking. In the pipe's
    default 64 KB, its write waited for this process to read each 64 KB, and this process reads in a thread
    that waits for the interpreter's lock while the scanning thread checks its share (up to 5 ms each time):
    a worker spent about a tenth of a big scan waiting so. Linux only (F_SETPIPE_SZ); elsewhere, or when the
    system refuses, the pipe stays as it is."""
    try:
        import fcntl

        writer = pool._result_queue._writer  # type: ignore[attr-defined]  # the pipe's writing end
        fcntl.fcntl(writer.fileno(), fcntl.F_SETPIPE_SZ, RESULT_PIPE_BYTES)
    except (ImportError, AttributeError, OSError, ValueError):
        pass


#: a scan checking at least this many files freezes what it made (see _collector_paused)
FREEZE_AFTER = 1000


@contextmanager
def _collector_paused(freeze: bool = False) -> Iterator[None]:
    """No cyclic garbage collection while files are checked. A check makes many objects and keeps most of
    them (the outcomes), so the collector's full passes, each over everything kept so far, took a sixth of a
    big cold scan's time while finding nothing: checking leaves no reference cycles. Whatever a failing
    check leaves (an exception's frames) is collected once the collector runs again.

    `freeze` (a big scan, whose outcomes are kept): what the pause made moves to the collector's permanent
    generation before it resumes (`gc.freeze`), so the first collection after it does not walk all of it at
    once (a re-scan after one edit of 10,000 items took a 0.28 s pause there). Frozen objects are still
    freed by their reference counts; only a cycle among them (a failed check's exception) stays, once per big
    scan."""
    if not gc.isenabled():  # already paused (a scan in another thread, or the caller's choice)
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        gc.enable()


def _order(name: str) -> str | list[str]:
    """Sort key giving Path's own order for file names. On POSIX Path compares its parts, the text split at
    "/" (as Python 3.12's Path compares itself): the same order as the text with "/" made the lowest
    character (a part that is a prefix of another comes first either way), compared in C without a list per
    name. Elsewhere Path compares its parts case-folded."""
    return name.replace("/", "\0") if os.name == "posix" else [p.lower() for p in Path(name).parts]


def _apart(a: similar.Text, b: similar.Text) -> float:
    """Seconds between two texts' times (0 when one has none: compared with all)."""
    if a.when is None or b.when is None:
        return 0.0
    return abs((a.when - b.when).total_seconds())


IMAGE_MARGIN = 0.25  # texts this much below the threshold still count when their images look the same
MAX_NAMED = 3  # near-duplicates named per item (a calendar of variations would otherwise list them all)


def _near_duplicate_problems(item: Item, path: str, found: list[tuple[float, Msg, bool]]) -> list[Problem]:
    """Warnings on the item's body line, the most alike first."""
    found.sort(key=lambda f: -f[0])
    problems = []
    for score, what, via_images in found[:MAX_NAMED]:
        images = msg("near_duplicate.images") if via_images else ""
        problems.append(
            Problem.of(
                path,
                item.body_line,
                "body",
                msg("near_duplicate", score=score, what=what, images=images),
                msg("near_duplicate.hint"),
                severity="warning",
            )
        )
    if len(found) > MAX_NAMED:
        problems[-1] = Problem.of(
            path,
            item.body_line,
            "body",
            msg("near_duplicate_more", first=problems[-1].said, n=len(found) - MAX_NAMED),
            problems[-1].hint_said,
            severity="warning",
        )
    return problems


_WORKER_CALENDARS: dict[tuple[str, tuple[tuple[str, str], ...]], Calendar] = {}
_WORKER_CHECKING = ExitStack()


#: what a worker sends back for one task: each file's outcome, the hashes of the media those files read, and
#: the digests it hashed (to keep across runs)
_Chunk = tuple[list[tuple[Checked, set[Path]]], dict[Path, tuple[Stamp, bytes]], dict[str, Entry]]


def _check_chunk(root: str, env: dict[str, str], chunk: list[str], lean: bool = False) -> _Chunk:
    """Worker side of a parallel scan: its own calendar over the same workspace; results go back pickled
    (lean records for a lean calendar: a fraction of the bytes to send and to hold), with the media hashes of
    this task's files only (the worker keeps the others from earlier tasks, already sent) and the media
    digests it hashed, which the scanning process saves."""
    from publisher.workspace.settings import open_workspace

    opened = (root, tuple(sorted(env.items())))
    calendar = _WORKER_CALENDARS.get(opened)
    if calendar is None:  # a worker takes several tasks of one scan: the workspace is opened once
        _WORKER_CALENDARS.clear()
        calendar = _WORKER_CALENDARS[opened] = Calendar(open_workspace(Path(root), env=env))
        # and its renderer checks them as the scanning process checks its own share: templates loaded once,
        # clean media checks remembered, over all its tasks (a worker's pool is one scan's)
        _WORKER_CHECKING.close()
        _WORKER_CHECKING.enter_context(calendar.renderer.checking())
        _WORKER_CHECKING.enter_context(calendar._one_look())
    ctx = calendar.context()
    out = []
    read: set[Path] = set()
    # as in the scan (a forked worker starts with the collector paused already)
    with _collector_paused(), calendar.renderer.checking():
        for name in chunk:
            used: set[Path] = set()
            checked = calendar.check_file(Path(name), ctx, used)
            read |= used
            out.append((checked.slim() if lean else checked, used))
    media = calendar._media
    return out, {p: media[p] for p in read if p in media}, calendar.digests.take_fresh()
