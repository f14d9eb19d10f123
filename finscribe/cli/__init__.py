"""Command-line entry points: finscribe scan, train, serve, worker, migrate, admin."""
