"""Structured JSON logging set-up, with redaction of document text, field values and keys."""

from __future__ import annotations
