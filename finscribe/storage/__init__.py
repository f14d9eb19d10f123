"""Storage adapter: one interface over local filesystem and S3."""
