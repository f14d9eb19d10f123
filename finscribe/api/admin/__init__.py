"""API: admin endpoints (controller and schemas)."""
