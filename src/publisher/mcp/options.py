"""`python -m publisher.mcp.server`'s command line: `publisher mcp`'s options, read by argparse, with its help
and usage errors worded from the catalogue in the reader's language (用法：, 选项：, 显示此帮助并退出。 in
Chinese; Usage:, Options:, Show this message and exit. in English, as `publisher mcp --help` says them)."""

from __future__ import annotations

import argparse
import functools
import re
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any, NoReturn

from publisher.messages import say

PROG = "python -m publisher.mcp.server"
LANGS = ("zh", "en")


def flag_lang(argv: Sequence[str]) -> str | None:
    """The language `--lang` asks for (`--lang en`, `--lang=en`), or None; options end at `--`."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang":
            value = argv[i + 1] if i + 1 < len(argv) else None
        elif arg.startswith("--lang="):
            value = arg.removeprefix("--lang=")
        else:
            continue
        return value if value in LANGS else None
    return None


_NO_LINE_START = "，。、；：！？）」』》"  # punctuation a Chinese line does not start with


def wrap_cells(text: str, width: int) -> str:
    """`text`'s paragraphs, each wrapped to `width` screen columns (a CJK character takes two): at a space,
    or inside a run of more than half a line (Chinese has no spaces), never before a closing mark."""
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        line, used = "", 0
        for word in re.findall(r"[^\s]+\s*", " ".join(paragraph.split())):
            for piece in list(word) if _cells(word) > width // 2 else [word]:
                if used + _cells(piece.rstrip()) > width and line and piece[0] not in _NO_LINE_START:
                    lines.append(line.rstrip())
                    line, used = "", 0
                line, used = line + piece, used + _cells(piece)
        lines += [line.rstrip(), ""]
    return "\n".join(lines[:-1])


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's layout, its usage line opened by the catalogue's 用法： / Usage: (the description comes
    wrapped by screen columns: `wrap_cells`)."""

    def __init__(self, prog: str, *, lang: str) -> None:
        super().__init__(prog)
        self.lang = lang

    def add_usage(
        self,
        usage: str | None,
        actions: Any,
        groups: Any,
        prefix: str | None = None,
    ) -> None:
        if prefix is None:
            prefix = say("help.click.usage", self.lang) + ("" if self.lang == "zh" else " ")
        super().add_usage(usage, actions, groups, prefix)


#: argparse's usage errors, found by their English, and how the catalogue words each
_INVALID_INT = re.compile(r"argument (?P<name>\S+): invalid int value: (?P<value>.*)")
_NEEDS_VALUE = re.compile(r"argument (?P<name>\S+): expected one argument")
_NO_VALUE = re.compile(r"argument (?P<name>\S+): ignored explicit argument (?P<value>.*)")
_INVALID_CHOICE = re.compile(
    r"argument (?P<name>\S+): invalid choice: (?P<value>\S+) \(choose from (?P<choices>.*)\)"
)
_UNRECOGNIZED = re.compile(r"unrecognized arguments: (?P<args>.*)")


def error_text(message: str, lang: str) -> str:
    """argparse's error `message` in `lang` (the catalogue's Click wording); one it does not know as it is."""
    if found := _INVALID_INT.fullmatch(message):
        return say("help.click.invalid_for", lang, name=found["name"], why=say("help.click.not_int", lang))
    if found := _NEEDS_VALUE.fullmatch(message):
        return say("help.click.needs_value", lang, name=found["name"])
    if found := _NO_VALUE.fullmatch(message):
        return say("help.click.takes_no_value", lang, name=found["name"])
    if found := _INVALID_CHOICE.fullmatch(message):
        why = say("help.click.one_of", lang, value=found["value"], choices=found["choices"])
        return say("help.click.invalid_for", lang, name=found["name"], why=why)
    if found := _UNRECOGNIZED.fullmatch(message):
        words = found["args"].split()
        if words and words[0].startswith("-"):
            return say("help.click.no_option", lang, name=words[0])
        return say("help.click.extra_arguments", lang, args=found["args"])
    return message


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help frame and usage errors speak `lang`; an error exits 2, as the CLI's do."""

    def __init__(self, lang: str, description: str) -> None:
        super().__init__(
            prog=PROG,
            description=wrap_cells(description, min(shutil.get_terminal_size().columns - 2, 78)),
            add_help=False,
            formatter_class=functools.partial(_Formatter, lang=lang),
        )
        self.lang = lang
        self.heading = say("help.click.options", lang)
        self.options = self.add_argument_group(self.heading)
        self.options.add_argument("-h", "--help", action="help", help=say("help.click.help", lang))

    def format_help(self) -> str:
        colon = "：" if self.lang == "zh" else ":"
        return super().format_help().replace(f"\n{self.heading}:\n", f"\n{self.heading}{colon}\n")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        try_it = say("help.click.try", self.lang, command=f"{PROG} --help")
        said = say("help.click.error", self.lang, text=error_text(message, self.lang))
        self.exit(2, f"{try_it}\n\n{said}\n")


__all__ = ["LANGS", "PROG", "Parser", "error_text", "flag_lang"]
