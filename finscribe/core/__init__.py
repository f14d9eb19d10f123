"""The shared core: the document model, ingest, text, layout, extraction and validation."""
