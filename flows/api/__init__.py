"""REST API of flow definitions: CRUD with graph validation, lifecycle, priorities."""
