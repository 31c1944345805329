"""REST API of running flows: executions, steps, dead letters, events, sends, analytics."""
