"""The Product Hunt fake: GraphQL API v2 and OAuth."""
