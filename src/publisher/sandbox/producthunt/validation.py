"""Query validation as Product Hunt's server (graphql-ruby) answers it, not as graphql-core words it.

An unknown field is `Field 'x' doesn't exist on type 'Post'` plus a did-you-mean suggestion, with `locations`,
`path` (the operation as "query Name", then field aliases or names) and `extensions` {code: "undefinedField",
typeName, fieldName}; a response with validation errors has no `data` key. Sources in SCHEMA_SOURCE.md.
"""

from __future__ import annotations

import math
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FieldsOnCorrectTypeRule,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    specified_rules,
    validate,
)

_OTHER_RULES = [rule for rule in specified_rules if rule is not FieldsOnCorrectTypeRule]
_META = {"__typename", "__schema", "__type"}


def problems(schema: GraphQLSchema, document: DocumentNode) -> list[dict[str, Any]]:
    """Every validation error of `document`, each shaped as graphql-ruby formats it."""
    found = _unknown_fields(schema, document)
    for error in validate(schema, document, _OTHER_RULES):
        found.append({"message": error.message, "locations": _locations(error)})
    return found


def _locations(error: GraphQLError) -> list[dict[str, int]]:
    return [{"line": loc.line, "column": loc.column} for loc in error.locations or []]


def _unknown_fields(schema: GraphQLSchema, document: DocumentNode) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.get_root_type(definition.operation)
            name = definition.operation.value + (f" {definition.name.value}" if definition.name else "")
            if root is not None:
                _walk(schema, root, definition.selection_set, [name], out)
        elif isinstance(definition, FragmentDefinitionNode):
            on = schema.get_type(definition.type_condition.name.value)
            if isinstance(on, GraphQLObjectType | GraphQLInterfaceType):
                _walk(schema, on, definition.selection_set, [f"fragment {definition.name.value}"], out)
    return out


def _walk(
    schema: GraphQLSchema,
    parent: GraphQLObjectType | GraphQLInterfaceType,
    selections: SelectionSetNode | None,
    path: list[str],
    out: list[dict[str, Any]],
) -> None:
    for node in selections.selections if selections else ():
        if isinstance(node, FieldNode):
            name = node.name.value
            here = [*path, node.alias.value if node.alias else name]
            field = parent.fields.get(name)
            if field is None and name not in _META:
                out.append(_undefined(node, parent, here))
            elif field is not None:
                inner = get_named_type(field.type)
                if isinstance(inner, GraphQLObjectType | GraphQLInterfaceType):
                    _walk(schema, inner, node.selection_set, here, out)
        elif isinstance(node, InlineFragmentNode):
            on = schema.get_type(node.type_condition.name.value) if node.type_condition else parent
            step = f"... on {node.type_condition.name.value}" if node.type_condition else "..."
            if isinstance(on, GraphQLObjectType | GraphQLInterfaceType):
                _walk(schema, on, node.selection_set, [*path, step], out)
        elif isinstance(node, FragmentSpreadNode):
            continue  # the fragment's own definition is walked on its own path, as graphql-ruby does


def _undefined(
    node: FieldNode, parent: GraphQLObjectType | GraphQLInterfaceType, path: list[str]
) -> dict[str, Any]:
    name = node.name.value
    message = f"Field '{name}' doesn't exist on type '{parent.name}'" + suggestion(name, list(parent.fields))
    location = node.loc.source.get_location(node.loc.start) if node.loc and node.loc.source else None
    return {
        "message": message,
        "locations": [{"line": location.line, "column": location.column}] if location else [],
        "path": path,
        "extensions": {"code": "undefinedField", "typeName": parent.name, "fieldName": name},
    }


def suggestion(name: str, options: list[str]) -> str:
    """graphql-ruby's " (Did you mean `a`?)" tail, from what Ruby's DidYouMean spell checker picks."""
    found = corrections(name, options)
    if not found:
        return ""
    if len(found) == 1:
        return f" (Did you mean `{found[0]}`?)"
    return " (Did you mean " + ", ".join(f"`{s}`" for s in found[:-1]) + f" or `{found[-1]}`?)"


def corrections(word: str, dictionary: list[str]) -> list[str]:
    """Close names, best first: Jaro-Winkler similarity over a length-dependent bar, then mistypes (edit
    distance within a quarter of the length) or else the single closest misspelling."""
    typed = word.lower()
    bar = 0.834 if len(typed) > 3 else 0.77
    near = [w for w in dictionary if w != word and jaro_winkler(w.lower(), typed) >= bar]
    near.sort(key=lambda w: jaro_winkler(w, typed), reverse=True)
    limit = math.ceil(len(typed) * 0.25)
    mistypes = [w for w in near if levenshtein(w.lower(), typed) <= limit]
    if mistypes:
        return mistypes
    return [w for w in near if levenshtein(w.lower(), typed) < min(len(typed), len(w))][:1]


def jaro_winkler(a: str, b: str) -> float:
    """Jaro similarity with the Winkler bonus (0.1 per common leading character, at most 4, above 0.7)."""
    score = _jaro(a, b)
    if score <= 0.7:
        return score
    prefix = 0
    for x, y in zip(a, b, strict=False):
        if x != y or prefix == 4:
            break
        prefix += 1
    return score + prefix * 0.1 * (1 - score)


def _jaro(a: str, b: str) -> float:
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return 0.0
    reach = len(b) // 2 - 1 if len(b) > 3 else 0
    used = [False] * len(b)
    matched_a: list[str] = []
    for i, char in enumerate(a):
        for j in range(max(0, i - reach), min(len(b), i + reach + 1)):
            if not used[j] and b[j] == char:
                used[j] = True
                matched_a.append(char)
                break
    m = len(matched_a)
    if m == 0:
        return 0.0
    matched_b = [b[j] for j in range(len(b)) if used[j]]
    transpositions = sum(1 for x, y in zip(matched_a, matched_b, strict=True) if x != y) // 2
    return (m / len(a) + m / len(b) + (m - transpositions) / m) / 3


def levenshtein(a: str, b: str) -> int:
    """Edits (insert, delete, substitute) that turn `a` into `b`."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, start=1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[len(b)]
