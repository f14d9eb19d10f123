"""API: results endpoints (controller and schemas)."""
