"""Kopf operator reconciling DocumentJob resources (Kubernetes tier)."""
