"""API: system endpoints (controller and schemas)."""
