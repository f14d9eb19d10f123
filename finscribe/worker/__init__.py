"""arq workers running the document pipeline (service tier)."""
