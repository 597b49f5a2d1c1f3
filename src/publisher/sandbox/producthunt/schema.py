"""A minimal hand-written Product Hunt GraphQL schema and the query-complexity rule the fake charges.

Mutation holds only stubs, so a `postCreate` attempt fails validation exactly as on the real API.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)

SDL = """
scalar DateTime

enum PostsOrder { FEATURED_AT NEWEST RANKING VOTES }
enum CommentsOrder { NEWEST VOTES_COUNT }

type Media { url: String! type: String! }
type PageInfo { endCursor: String startCursor: String hasNextPage: Boolean! hasPreviousPage: Boolean! }

type Comment { id: ID! body: String! createdAt: DateTime! votesCount: Int! parentId: ID url: String! }
type CommentEdge { cursor: String! node: Comment! }
type CommentConnection { edges: [CommentEdge!]! pageInfo: PageInfo! totalCount: Int! }

type Vote { id: ID! createdAt: DateTime! userId: ID! }
type VoteEdge { cursor: String! node: Vote! }
type VoteConnection { edges: [VoteEdge!]! pageInfo: PageInfo! totalCount: Int! }

type Post {
  id: ID!
  name: String!
  slug: String!
  tagline: String!
  description: String
  url: String!
  website: String!
  createdAt: DateTime!
  featuredAt: DateTime
  votesCount: Int!
  commentsCount: Int!
  reviewsRating: Float!
  thumbnail: Media
  comments(first: Int, after: String, order: CommentsOrder = NEWEST): CommentConnection!
  votes(first: Int, after: String, createdAfter: DateTime, createdBefore: DateTime): VoteConnection!
}
type PostEdge { cursor: String! node: Post! }
type PostConnection { edges: [PostEdge!]! pageInfo: PageInfo! totalCount: Int! }

type User {
  id: ID!
  name: String!
  username: String!
  madePosts(first: Int, after: String): PostConnection!
}
type Viewer { user: User! }

type Query {
  post(id: ID, slug: String): Post
  posts(first: Int, after: String, order: PostsOrder = RANKING, postedAfter: DateTime,
        postedBefore: DateTime, featured: Boolean): PostConnection!
  viewer: Viewer
}

type Error { field: String! message: String! }
input UserFollowInput { userId: ID! clientMutationId: String }
type UserFollowPayload { clientMutationId: String errors: [Error!]! }
input GoalCreateInput { title: String! clientMutationId: String }
type GoalCreatePayload { clientMutationId: String errors: [Error!]! }

type Mutation {
  userFollow(input: UserFollowInput!): UserFollowPayload!
  goalCreate(input: GoalCreateInput!): GoalCreatePayload!
}
"""


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
