"""Queue adapter: one small interface over arq on Redis."""
