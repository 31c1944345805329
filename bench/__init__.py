"""Benchmarks of the engine on PostgreSQL and Redis (``make bench``); see the README's Performance section."""
