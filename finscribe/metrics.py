"""Prometheus metrics of every component, defined once here with their `finscribe_*` names."""

from __future__ import annotations
