"""REST API of workspaces and contacts."""
