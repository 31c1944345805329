"""Cross-cutting pieces of the REST API: workspace scoping, roles, errors, limits, auth, URLs."""
