"""Product Hunt: assisted launch kits and the GraphQL metrics reader."""
