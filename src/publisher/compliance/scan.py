"""Find listed words in an item's text: each hit is a Problem on the line it is on, unless the item
acknowledges it in `allow:`; then it is an info line that says why."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from publisher.compliance.lists import Entry, WordList
from publisher.messages import Msg, msg
from publisher.models import Item, Problem

_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# Item fields that hold no text a reader sees (paths, switches, times); everything else is scanned.
_NOT_TEXT = frozenset(
    {
        "id",
        "images",
        "video",
        "cover",
        "thumbnail",
        "gallery",
        "link",
        "publish_at",
        "template",
        "late_window",
        "utm",
        "campaign",
        "status",
        "approved_by",
        "notes",
        "platforms",
        "allow",
        "declare",
        "source",
        "visibility",
        "cover_tsp",
    }
)


@dataclass(frozen=True)
class Hit:
    """One occurrence of a listed word."""

    entry: Entry
    text: str  # as written in the item
    start: int
    end: int


#: an entry's exceptions: (where the word starts in them, the phrases in lower case with the word there)
_Exceptions = tuple[tuple[int, tuple[str, ...]], ...]


@dataclass
class Matcher:
    """A word list compiled into one regular expression (longest word first, so 最低价 wins over 最)."""

    words: WordList
    _pattern: re.Pattern[str] | None = field(init=False, default=None)
    # per word (lower case): its entries, each with its exceptions grouped by where the word starts in them,
    # worked out once rather than at every hit
    _by_word: dict[str, list[tuple[Entry, _Exceptions]]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        for entry in self.words.entries.values():
            word = entry.word.lower()
            self._by_word.setdefault(word, []).append((entry, _exceptions(word, entry.exceptions)))
        parts = []
        for word in sorted(self._by_word, key=lambda w: (-len(w), w)):
            part = re.escape(word)
            # An ASCII word (VX, 100%) only counts on its own: not vx inside "vxe", not 100% in "1100%".
            if _ASCII_WORD.match(word[0]):
                part = r"(?<![A-Za-z0-9])" + part
            if _ASCII_WORD.match(word[-1]):
                part += r"(?![A-Za-z0-9])"
            parts.append(part)
        # Every word starts with one of these characters: a look at the next character alone tells most
        # places of a text apart, before any of the words is tried there (the lookbehinds and the case
        # folding keep re from skipping such places by itself; about 7 times faster, the same matches).
        first = "".join(sorted({re.escape(word[0]) for word in self._by_word}))
        self._pattern = re.compile(f"(?=[{first}])(?:{'|'.join(parts)})", re.IGNORECASE) if parts else None

    def find(self, text: str) -> Iterator[Hit]:
        """Every hit in `text`, skipping those inside one of the entry's exceptions (第一次 for 第一)."""
        if self._pattern is None or not text:
            return
        lower = ""  # the text in lower case, made at the first hit (most texts have none)
        for m in self._pattern.finditer(text):
            lower = lower or text.lower()
            for entry, exceptions in self._by_word[m.group(0).lower()]:
                if not _excepted(lower, m.start(), exceptions):
                    yield Hit(entry, m.group(0), m.start(), m.end())


def _exceptions(word: str, phrases: tuple[str, ...]) -> _Exceptions:
    by_start: dict[int, list[str]] = {}
    for phrase in phrases:
        phrase = phrase.lower()
        k = phrase.find(word)
        while k >= 0:
            by_start.setdefault(k, []).append(phrase)
            k = phrase.find(word, k + 1)
    return tuple((k, tuple(found)) for k, found in by_start.items())


def _excepted(lower: str, start: int, exceptions: _Exceptions) -> bool:
    """Whether the hit at `start` of `lower` lies inside one of its entry's exception phrases (the phrases
    with the word at one place are tried in one call: 最 has fifty)."""
    for k, phrases in exceptions:
        at = start - k
        if at >= 0 and lower.startswith(phrases, at):
            return True
    return False


@dataclass(frozen=True)
class Rules:
    """The lists in force: the workspace's (all platforms) and each platform's own additions."""

    common: Matcher
    platforms: Mapping[str, Matcher] = field(default_factory=dict)

    @classmethod
    def build(cls, common: WordList, platforms: Mapping[str, WordList] | None = None) -> Rules:
        return cls(Matcher(common), {k: Matcher(v) for k, v in (platforms or {}).items() if len(v)})


@dataclass(frozen=True)
class Unit:
    """One piece of text to scan: the field, the line its text starts on, and whose it is."""

    field: str
    text: str
    line: int
    platforms: tuple[str, ...]  # the target platforms this text goes to
    multiline: bool = False  # body-like: line numbers follow the text's own lines


def units(item: Item) -> list[Unit]:
    """The item's text as it was written: top-level fields go to every target; an override under
    `platforms: {x: ...}` only to x's platform."""
    every = tuple(sorted({t.platform for t in item.targets}))
    out: list[Unit] = []
    fields = item.fields
    for key, value in fields.items():
        if key in _NOT_TEXT or key == "body":
            continue
        out.extend(_field_units(key, value, item.lines, every))
    if "body" in fields:
        out.extend(_field_units("body", fields["body"], item.lines, every))
    else:
        out.append(Unit("body", item.body, item.body_line, every, multiline=True))
    raw = fields.get("platforms")
    if isinstance(raw, dict):
        for name, overrides in raw.items():
            if not isinstance(overrides, dict):
                continue
            mine = tuple(sorted({t.platform for t in item.targets if name in (t.account, t.platform)}))
            for key, value in overrides.items():
                if key not in _NOT_TEXT:
                    out.extend(_field_units(f"platforms.{name}.{key}", value, item.lines, mine))
    return out


def _field_units(dotted: str, value: Any, lines: Mapping[str, int], platforms: tuple[str, ...]) -> list[Unit]:
    line = lines.get(dotted, 1)
    if isinstance(value, str):
        if "\n" in value:  # a `|` block starts on the line after its key
            return [Unit(dotted, value, line + 1, platforms, multiline=True)]
        return [Unit(dotted, value, line, platforms)]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return [Unit(dotted, str(value), line, platforms)]
    if isinstance(value, list):
        return [
            Unit(f"{dotted}[{i}]", str(v), lines.get(f"{dotted}[{i}]", line), platforms)
            for i, v in enumerate(value)
            if isinstance(v, str | int)
        ]
    return []


def acknowledgements(raw: Any) -> list[tuple[str, str]]:
    """The (word, reason) pairs an `allow:` value gives, in its order; entries without a word or a reason are
    left out (check reports those). Reports read this from the synced front matter."""
    return [
        (str(word).strip(), str(reason).strip())
        for word, reason in _allow_pairs(raw)
        if isinstance(word, str | int)
        and str(word).strip()
        and isinstance(reason, str | int)
        and str(reason).strip()
    ]


def _allow_pairs(raw: Any) -> list[tuple[Any, Any]]:
    if raw is None:
        return []
    if isinstance(raw, dict):
        return list(raw.items())
    if not isinstance(raw, list):
        return [(raw, None)]
    pairs: list[tuple[Any, Any]] = []
    for entry in raw:
        if isinstance(entry, dict) and "word" in entry:
            pairs.append((entry.get("word"), entry.get("reason")))
        elif isinstance(entry, dict) and len(entry) == 1:
            pairs.append(next(iter(entry.items())))
        else:
            pairs.append((entry, None))
    return pairs


def parse_allow(item: Item) -> tuple[dict[str, str], list[Problem]]:
    """`allow:` as {word (lower case): reason}. Accepts `[{word: 第一, reason: ...}]`, `[第一: reason]`
    and `{第一: reason}`; an entry without a reason is a problem (an acknowledgement says why)."""
    line = item.lines.get("allow", 1)
    problems: list[Problem] = []
    allowed: dict[str, str] = {}
    for word, reason in _allow_pairs(item.fields.get("allow")):
        if not isinstance(word, str | int) or not str(word).strip():
            problems.append(Problem.of(item.path, line, "allow", msg("allow_no_word"), msg("allow.hint")))
            continue
        if not isinstance(reason, str | int) or not str(reason).strip():
            no_reason = msg("allow_no_reason", word=word)
            problems.append(Problem.of(item.path, line, "allow", no_reason, msg("allow.hint")))
            continue
        allowed[str(word).strip().lower()] = str(reason).strip()
    return allowed, problems


def check_item(item: Item, rules: Rules) -> list[Problem]:
    """Every listed word in the item's text, as problems (error or warning per entry) or, when the item
    acknowledges the word in `allow:`, as info lines; an acknowledgement that matches nothing is a warning."""
    allowed, problems = parse_allow(item)
    used: set[str] = set()
    seen: set[tuple[int, str, str, str, str]] = set()
    for unit in units(item):
        matchers: list[tuple[str, Matcher]] = []
        if unit.platforms:
            # A word of the common lists is one problem for the item, unless only one platform gets this text.
            override = unit.field.startswith("platforms.") and len(unit.platforms) == 1
            common_for = unit.platforms[0] if override else ""
            matchers.append((common_for, rules.common))
            matchers += [(p, rules.platforms[p]) for p in unit.platforms if p in rules.platforms]
        for platform, matcher in matchers:
            for hit in matcher.find(unit.text):
                line = unit.line + (unit.text.count("\n", 0, hit.start) if unit.multiline else 0)
                for where in _platforms_of(hit.entry, platform, unit.platforms):
                    key = (line, unit.field, hit.entry.category, hit.entry.word, where)
                    if key in seen:
                        continue
                    seen.add(key)
                    problems.append(_problem(item, unit.field, line, hit, where, allowed, used))
    for word in sorted(set(allowed) - used):
        problems.append(
            Problem.of(
                item.path,
                item.lines.get("allow", 1),
                "allow",
                msg("allow_unused", word=word),
                msg("allow_unused.hint"),
                severity="warning",
            )
        )
    return problems


def _platforms_of(entry: Entry, platform: str, platforms: tuple[str, ...]) -> list[str]:
    """Whose problem a hit is: "" for the whole item, else the platforms the entry applies to."""
    if not entry.platforms:
        return [platform]
    if platform:
        return [platform] if platform in entry.platforms else []
    return [p for p in platforms if p in entry.platforms]


def _problem(
    item: Item,
    dotted: str,
    line: int,
    hit: Hit,
    platform: str,
    allowed: Mapping[str, str],
    used: set[str],
) -> Problem:
    entry = hit.entry
    for key in (entry.word.lower(), hit.text.lower()):
        if key in allowed:
            used.add(key)
            ack = msg("compliance_ack", text=hit.text, label=entry.label, reason=allowed[key])
            return Problem.of(item.path, line, dotted, ack, None, platform, "info")
    said, text, hint, hint_text = _worded(entry, hit.text)
    return Problem(item.path, line, dotted, text, hint_text, platform, entry.severity, said, hint)


@lru_cache(maxsize=1024)  # a calendar's hits repeat a few words: each worded once, not once per hit
def _worded(entry: Entry, text: str) -> tuple[Msg, str, Msg, str]:
    """A hit's message and hint, each with its English (what `Problem.of` words)."""
    source = msg("compliance_source", source=entry.source) if entry.source else ""
    suggest = msg("compliance_suggest", suggest=entry.suggest) if entry.suggest else ""
    said = msg("compliance_hit", text=text, label=entry.label, source=source)
    hint = msg("compliance_hit.hint", suggest=suggest, word=entry.word)
    return said, said.text("en"), hint, hint.text("en")
