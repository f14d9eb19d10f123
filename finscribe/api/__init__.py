"""REST API on Litestar (service tier)."""
