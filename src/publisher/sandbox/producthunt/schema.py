"""Product Hunt's GraphQL schema as the fake serves it (schema.graphql, written here from the public schema's
facts: SCHEMA_SOURCE.md) and the complexity rule the fake charges.

The real Mutation type holds only goals and follows: a `postCreate` attempt fails validation, as it does live.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    build_schema,
)

HERE = Path(__file__).parent
#: The types, fields, arguments and enum values of Product Hunt API v2, the live API's later fields included.
SDL = (HERE / "schema.graphql").read_text(encoding="utf-8")


def load_schema() -> GraphQLSchema:
    return build_schema(SDL)


def query_cost(document: DocumentNode, variables: dict[str, Any], operation_name: str | None) -> int:
    """1 point per field, times the `first` of each enclosing connection [U: the real rule is unpublished]."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    if not chosen:
        return 1
    return max(1, _selection_cost(chosen[0].selection_set, 1, fragments, variables, 0))


def _first(field: FieldNode, variables: dict[str, Any]) -> int | None:
    for argument in field.arguments or ():
        if argument.name.value != "first":
            continue
        if isinstance(argument.value, IntValueNode):
            return int(argument.value.value)
        if isinstance(argument.value, VariableNode):
            value = variables.get(argument.value.name.value)
            return int(value) if isinstance(value, int) else None
    return None


def _selection_cost(
    selection_set: SelectionSetNode | None,
    multiplier: int,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    depth: int,
) -> int:
    if selection_set is None or depth > 20:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += multiplier
            first = _first(selection, variables)
            inner = multiplier * max(1, first if first is not None else 1)
            total += _selection_cost(selection.selection_set, inner, fragments, variables, depth + 1)
        elif isinstance(selection, InlineFragmentNode):
            total += _selection_cost(selection.selection_set, multiplier, fragments, variables, depth + 1)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            total += _selection_cost(
                fragments[selection.name.value].selection_set, multiplier, fragments, variables, depth + 1
            )
    return total
