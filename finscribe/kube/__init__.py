"""Kubernetes adapter: a small async client for DocumentJob resources."""
