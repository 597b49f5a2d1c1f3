"""A usage error Click finds (an unknown option, a missing argument, a value out of range) in the reader's
language: its usage line, the hint and the error, each from the catalogue (`help.click.*`).

Click words these in English; each catalogue entry's English is the pattern that recognises one (its
`{placeholders}` match any text), and a `{why}` is recognised again. An error no entry knows keeps its
English inside the translated frame.
"""

from __future__ import annotations

import functools
import re
import sys
from typing import IO

from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from publisher.messages import CHECK, say

_FIELD = re.compile(r"\\\{(\w+)\\\}")


def _pattern(english: str) -> re.Pattern[str]:
    return re.compile(_FIELD.sub(lambda m: f"(?P<{m.group(1)}>.+?)", re.escape(english)), re.DOTALL)


@functools.cache
def _known() -> list[tuple[str, re.Pattern[str]]]:
    """Each error's English as a pattern, longest first (a message with a suggestion before the one
    without); compiled on the first usage error, not at every start."""
    known = [
        (code, _pattern(entry["en"]))
        for code, entry in CHECK.items()
        if code.startswith("help.click.") and code not in ("help.click.try", "help.click.error")
    ]
    return sorted(known, key=lambda found: -len(CHECK[found[0]]["en"]))


def click_says(text: str, lang: str) -> str:
    """Click's English message in `lang`: by the first entry whose English matches it, else as it is."""
    if lang == "en":
        return text
    for code, pattern in _known():
        if found := pattern.fullmatch(text):
            values = found.groupdict()
            if "why" in values:
                values["why"] = click_says(values["why"], lang)
            return say(code, lang, **values)
    return text


def show(error: ClickException, lang: str, file: IO[str] | None = None) -> None:
    """What Click's `show` prints (usage line, hint, the error), worded in `lang`."""
    file = file or sys.stderr
    if isinstance(error, NoArgsIsHelpError):  # the help itself, already in the reader's language
        error.show(file)
        return
    ctx = error.ctx if isinstance(error, UsageError) else None
    if ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = (
                say("help.click.try", lang, command=f"{ctx.command_path} {ctx.help_option_names[0]}") + "\n"
            )
        print(f"{ctx.get_usage()}\n{hint}", file=file)
    print(say("help.click.error", lang, text=click_says(error.format_message(), lang)), file=file)
