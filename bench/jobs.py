"""The bare RQ job the engine's throughput is compared with."""


def noop() -> None:
    """Do nothing: what is left is RQ's own cost per job."""
