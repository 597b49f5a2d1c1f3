"""The consoles the commands print to (cli/common.py makes `out` and `err` from this on first use)."""

from __future__ import annotations

from rich.console import Console, ConsoleDimensions

#: The width of output that goes to a pipe or a file: nothing is ever cut to a terminal's width.
PLAIN_WIDTH = 10_000


class PlainConsole(Console):
    """A rich Console that, when its output is not a terminal, is as wide as its content (no cut lines)."""

    @property
    def size(self) -> ConsoleDimensions:
        if not self.is_terminal:
            return ConsoleDimensions(PLAIN_WIDTH, 25)
        return super().size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size
