"""`publisher` builds only the command it runs.

Typer turns every registered command into a Click command (reading each function's signature and options)
before it parses anything, although one command runs. Here the program's group knows every command by name
and converts one only when it is asked for: to run it, to show its help or to complete it. The program's own
help lists each command by its name and short help, which come from the catalogue code it was registered
with, without converting it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, MutableMapping
from functools import partial
from typing import Any

import typer
from typer._click.core import Command, Context
from typer._click.formatting import HelpFormatter
from typer.core import TyperGroup
from typer.main import (
    get_command_from_info,
    get_command_name,
    get_group_from_info,
    solve_typer_info_defaults,
)
from typer.models import CommandInfo, TyperInfo

from publisher.cli.lang import HelpCommand, HelpGroup

Make = Callable[[], Command]


class Commands(MutableMapping[str, Command]):
    """A group's commands by name, in the order they were registered; each made on first use."""

    def __init__(self, makers: dict[str, tuple[Make, Make]]) -> None:
        self._names = list(makers)
        self._makers = makers  # name -> (make the command, make its outline for a list)
        self._made: dict[str, Command] = {}

    def __getitem__(self, name: str) -> Command:
        if name not in self._made:
            self._made[name] = self._makers[name][0]()
        return self._made[name]

    def __setitem__(self, name: str, command: Command) -> None:
        if name not in self._names:
            self._names.append(name)
        self._made[name] = command

    def __delitem__(self, name: str) -> None:
        self._names.remove(name)
        self._made.pop(name, None)
        self._makers.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def shown(self, name: str) -> Command:
        """The command if it is made, else its outline: its name, help and whether it is hidden."""
        return self._made.get(name) or self._makers[name][1]()


class RootGroup(HelpGroup):
    """The program's group: lists its commands by name, without making them (`Commands`)."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(self.commands)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        commands = self.commands
        if not isinstance(commands, Commands):
            super().format_commands(ctx, formatter)
            return
        self.commands = {name: commands.shown(name) for name in commands}  # Typer's layout, from outlines
        try:
            super().format_commands(ctx, formatter)
        finally:
            self.commands = commands


def _outline(info: CommandInfo, name: str) -> Command:
    return HelpCommand(
        name=name,
        help=info.help,
        short_help=info.short_help,
        hidden=info.hidden,
        deprecated=info.deprecated,
    )


def _group_outline(info: TyperInfo, name: str) -> Command:
    solved = solve_typer_info_defaults(info)
    cls = solved.cls or TyperGroup
    return cls(
        name=name,
        help=solved.help,
        short_help=solved.short_help,
        hidden=solved.hidden,
        deprecated=solved.deprecated,
    )


def click_app(app: typer.Typer) -> Command:
    """`app` as a Click group whose commands are made only when used: what `typer.main.get_command(app)`
    gives, less the work of converting the commands that do not run."""
    bare = copy.copy(app)  # the program's own options (--version, --lang, completion), none of its commands
    bare.registered_commands = []
    bare.registered_groups = []
    group = typer.main.get_command(bare)
    if not isinstance(group, TyperGroup):  # pragma: no cover (the app has a callback: always a group)
        return typer.main.get_command(app)
    shared: dict[str, Any] = {
        "pretty_exceptions_short": app.pretty_exceptions_short,
        "rich_markup_mode": app.rich_markup_mode,
    }
    makers: dict[str, tuple[Make, Make]] = {}
    for info in app.registered_commands:
        assert info.callback is not None, "a command has a function"
        name = info.name or get_command_name(info.callback.__name__)
        makers[name] = (partial(get_command_from_info, info, **shared), partial(_outline, info, name))
    for sub in app.registered_groups:
        if not sub.name:  # a group without a name adds its commands to the program's: all made, as Typer does
            return typer.main.get_command(app)
        make = partial(get_group_from_info, sub, suggest_commands=app.suggest_commands, **shared)
        makers[sub.name] = (make, partial(_group_outline, sub, sub.name))
    group.commands = Commands(makers)
    return group
