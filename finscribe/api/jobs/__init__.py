"""API: jobs endpoints (controller and schemas)."""
