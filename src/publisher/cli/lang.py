"""The reader's language, and `--help` in it.

A command speaks `--lang`, else the workspace's `language` (PUBLISHER_LANGUAGE overriding publisher.toml),
else Chinese. `--help` is printed before any option is handled or any workspace opened, so `run` first
guesses the language from the command line, the environment and a glance at publisher.toml's `language`
line (`guess_lang`), standard library only. The help texts are catalogue codes (`messages/help.py`): the
command and group classes here word them, and Click's and Typer's own words around them, when the help is
shown, and wrap lines by their width on screen (a Chinese character takes two columns).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import typer
from typer._click.core import Command, Context, Parameter
from typer._click.formatting import HelpFormatter as ClickFormatter
from typer._click.formatting import wrap_text
from typer.core import TyperCommand, TyperGroup

from publisher.cli.values import plain
from publisher.messages import CHECK, LANGS, say
from publisher.workspace.locate import language_of

#: What the command knows of its reader's language: `flag` (--lang), `workspace` (its settings, once
#: opened), `guess` (before either: `guess_lang`). The error line (cli/main.py) is worded in it too.
_READER: dict[str, str] = {}


def reader_lang() -> str:
    """The language the command's help, lines and error speak: --lang, the workspace's, the guess, else zh."""
    return _READER.get("flag") or _READER.get("workspace") or _READER.get("guess") or "zh"


def forget_reader() -> None:
    """A new command starts knowing no language yet (the CLI runs in-process in tests)."""
    _READER.clear()


def heard(source: str, lang: str) -> None:
    """Note the reader's language as `source` (flag, workspace or guess) says it."""
    _READER[source] = lang


def guess_lang(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> str | None:
    """The language a command line asks for before it is parsed: `--lang`, else PUBLISHER_LANGUAGE, else the
    `language` of the workspace it names (--workspace, PUBLISHER_WORKSPACE) or it is run in."""
    flag = _option(argv, ("--lang",))
    if flag in LANGS:
        return flag
    return language_of(_option(argv, ("--workspace", "-w")), env, cwd)


def _option(argv: Sequence[str], names: tuple[str, ...]) -> str | None:
    """The value given to the option `names` (`--x V`, `--x=V`, `-xV`), or None; options end at `--`."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        for name in names:
            if arg == name and i + 1 < len(argv):
                return argv[i + 1]
            if arg.startswith(name + "=") and name.startswith("--"):
                return arg[len(name) + 1 :]
            if len(name) == 2 and arg.startswith(name) and len(arg) > 2 and not name.startswith("--"):
                return arg[2:]
    return None


# -- the help's words --------------------------------------------------------------------------------------

#: Click's and Typer's own English (headings, the help and completion options) -> its catalogue code
_FRAME = {e["en"]: code for code, e in CHECK.items() if code.startswith("help.click.") and "{" not in e["en"]}
#: an option's extras as Click appends them: "  [default: 2.0; x>=0.1]"
_EXTRAS = re.compile(r"(?P<before>.*?)\s*\[(?P<extras>[^\[\]]*)\]$", re.DOTALL)


def word(text: str | None, lang: str, args: Mapping[str, str] | None = None) -> str | None:
    """A help text in `lang`: a catalogue code worded, Click's own English translated, anything else kept."""
    if text is None:
        return None
    if text in CHECK and text.startswith("help."):
        return say(text, lang, **(args or {}))
    code = _FRAME.get(text)
    return say(code, lang) if code else text


def _extras(text: str, lang: str) -> str:
    """An option's help with Click's extras ([default: x; required; env var: X]) in `lang`."""
    found = _EXTRAS.fullmatch(text)
    if lang == "en" or not found:
        return text
    parts = []
    for part in found["extras"].split("; "):
        key, sep, value = part.partition(": ")
        if part == "required":
            parts.append(say("help.click.required", lang))
        elif sep and key in ("default", "env var"):
            parts.append(say(f"help.click.{key.replace(' ', '_')}", lang, value=value))
        else:
            parts.append(part)
    return f"{found['before']}  [{'；'.join(parts)}]"


#: the kind of value an option takes, as Typer shows it: <str>, <path>, <int range>, <list[str]>
_TYPE = re.compile(r"<([a-z]+(?: range)?|list\[[a-z]+\])>")
#: the usage line's placeholders, by catalogue code
_USAGE = ("help.usage.options", "help.usage.command")


def _typed(text: str, lang: str) -> str:
    """An option's names and the kind of value it takes (`--port <int range>`), the kind in `lang`."""
    if lang == "en":
        return text

    def one(found: re.Match[str]) -> str:
        code = "help.type." + re.sub(r"\W+", "_", found[1]).strip("_")
        return f"<{say(code, lang)}>" if code in CHECK else found[0]

    return _TYPE.sub(one, text)


def _cells(text: str) -> int:
    """Columns on screen: two for a wide (CJK, full-width, emoji) character."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


#: punctuation that never starts a line: it stays on the line before, past the width if need be
_NO_LINE_START = frozenset("，。、；：？！）》」』】,.;:?!)]")
_TOKENS = re.compile(r"\s+|\[[^\[\]\s]*\]|[!-~]+|.")


def wrap_cells(text: str, width: int) -> list[str]:
    """`text` (one paragraph) in lines of at most `width` columns: between words, or between any two wide
    characters; a word (or a bracketed mark such as [默认：md]) wider than the line stays whole."""
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKENS.findall(text.replace("\n", " ")):
        if token.isspace():
            if line:
                line, used = line + " ", used + 1
            continue
        size = _cells(token)
        if used + size > width and line.strip() and token[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used = "", 0
        line, used = line + token, used + size
    lines.append(line.rstrip())
    return lines


def _is_wide(text: str) -> bool:
    return any(unicodedata.east_asian_width(ch) in "WF" for ch in text)


def _raw(text: str, width: int) -> str:
    """`text` wrapped here, each paragraph marked (\\b) for Click to keep as it is."""
    return "\n\n".join("\b\n" + "\n".join(wrap_cells(p, width)) for p in text.split("\n\n"))


class HelpFormatter(ClickFormatter):
    """Click's help layout with its own words in the reader's language and lines wrapped by screen width."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lang = reader_lang()

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if prefix is None:
            prefix = say("help.click.usage", self.lang) + ("" if self.lang == "zh" else " ")
        for code in _USAGE:
            args = args.replace(say(code, "en"), say(code, self.lang))
        super().write_usage(prog, args, prefix)

    def write_heading(self, heading: str) -> None:
        colon = "：" if self.lang == "zh" else ":"
        self.write(f"{'':>{self.current_indent}}{word(heading, self.lang)}{colon}\n")

    def write_text(self, text: str) -> None:
        if _is_wide(text):
            text = _raw(text, max(self.width - self.current_indent, 11))
        super().write_text(text)

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        """Click's definition list (an option or command, then its help), measured in columns on screen: the
        first column may hold Chinese (`<路径>`), and help in Chinese is wrapped here."""
        rows = [
            (_typed(first, self.lang), _extras(word(second, self.lang) or "", self.lang))
            for first, second in rows
        ]
        if not rows:
            return
        first_col = min(max(_cells(first) for first, _ in rows), col_max) + col_spacing
        width = max(self.width - first_col - 2, 10)
        if any(_is_wide(second) for _, second in rows):
            rows = [(first, _raw(second, width) if second else second) for first, second in rows]
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _cells(first) <= first_col - col_spacing:
                self.write(" " * (first_col - _cells(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            lines = wrap_text(second, width, preserve_paragraphs=True).splitlines() or [""]
            self.write(f"{lines[0]}\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n")


class HelpContext(typer.Context):
    formatter_class = HelpFormatter


def _localise(command: Command, ctx: Context | None) -> None:
    """Word the command's help and its parameters' in the reader's language (from the codes they were
    given, kept aside the first time: the same command may be shown in another language later)."""
    lang = reader_lang()
    args: Mapping[str, str] = getattr(command, "help_args", {}).get(lang, {})  # its values per language
    for thing in [command, *(command.get_params(ctx) if ctx is not None else command.params)]:
        code = thing.__dict__.setdefault("_help_code", getattr(thing, "help", None))
        if code is not None:
            thing.help = word(code, lang, args)  # type: ignore[attr-defined]


def _short(command: Command, limit: int, default: Callable[[int], str]) -> str:
    """A command's line in a command list: Click's for English; in Chinese its first sentence, cut to fit."""
    _localise(command, None)
    text = command.help or ""
    if reader_lang() == "en" or not _is_wide(text):
        return default(limit)
    first = text.split("\n\n")[0].split("。")[0]
    if _cells(first) <= limit:
        return first
    lines = wrap_cells(first, limit - 1)
    return lines[0] + "…"


class _Worded(Command):
    """Help (and its options') kept as catalogue codes, worded in the reader's language when shown."""

    context_class = HelpContext

    def get_params(self, ctx: Context) -> list[Parameter]:
        params = super().get_params(ctx)
        plain(params)  # their values read with the standard library (cli/values.py), not pydantic
        return params

    def format_help(self, ctx: Context, formatter: ClickFormatter) -> None:
        _localise(self, ctx)
        super().format_help(ctx, formatter)

    def get_short_help_str(self, limit: int = 45) -> str:
        return _short(self, limit, super().get_short_help_str)


class HelpCommand(_Worded, TyperCommand):
    """A command whose help is catalogue codes."""


class HelpGroup(_Worded, TyperGroup):
    """A command group whose help is catalogue codes."""


def command(on: typer.Typer, path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a command named after the last part of `path`; its help is the catalogue's `help.<path>`."""
    return on.command(path.rsplit(".", 1)[-1], cls=HelpCommand, help=f"help.{path}")


def guess_now(argv: Sequence[str]) -> None:
    """Before the command line is parsed: note the language it most likely wants (`guess_lang`)."""
    if guessed := guess_lang(argv, os.environ, Path.cwd()):
        heard("guess", guessed)
