"""The workspace's own YAML files (platform.yaml, schedules/*.yaml, compliance word lists) loaded on a budget.

Safe loading refuses tags that run code, but aliases still let a few hundred bytes stand for billions of
values (a "billion laughs" file): any code that walks or prints the result expands them. So a file is read
with a size cap and its node graph is measured, aliases counted at their expanded size, before one Python
object is built. Front matter has its own, stricter loader (content/frontmatter.py) naming each line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

try:  # libyaml's loader is several times faster; both refuse every tag that could run code
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - libyaml is in the PyYAML wheels
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]  # same interface, pure Python

#: Bytes one settings file may have: the shipped ones are a few KB.
MAX_BYTES = 1_000_000
#: Values one file may stand for once its aliases are expanded: the shipped ones have a few hundred.
MAX_VALUES = 100_000


class YAMLBudgetError(yaml.YAMLError):
    """A file too large, or whose aliases expand past MAX_VALUES; the message says which and what to do."""


def load_file(path: Path, *, max_bytes: int = MAX_BYTES, max_values: int = MAX_VALUES) -> Any:
    """The file's one YAML document as plain data (None for an empty file), within the budget.

    OSError and UnicodeDecodeError pass through; every YAML problem, the budget's included, is a YAMLError.
    """
    with path.open("rb") as fh:
        raw = fh.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise YAMLBudgetError(f"the file is larger than {max_bytes:,} bytes; a settings file is a few KB")
    loader = _SafeLoader(raw.decode("utf-8"))
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            expanded = _expanded_size(node, {}, max_values)
        except RecursionError:
            raise YAMLBudgetError("the file nests too deeply; a settings file needs a few levels") from None
        if expanded > max_values:
            raise YAMLBudgetError(
                f"the file expands to more than {max_values:,} values (a YAML alias `*name` repeats a whole "
                "block); write the values out instead of nesting anchors (&name) and aliases"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(node: yaml.Node, sizes: dict[int, int], cap: int) -> int:
    """How many values `node` stands for with every alias expanded (each shared node measured once, so a
    bomb is measured in the time its few nodes take); stops counting past `cap`."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = cap + 1  # while it is measured: an alias to a node inside itself is endless
    total = 1
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            total += _expanded_size(child, sizes, cap)
            if total > cap:
                break
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            total += _expanded_size(key, sizes, cap) + _expanded_size(value, sizes, cap)
            if total > cap:
                break
    sizes[id(node)] = total
    return total
