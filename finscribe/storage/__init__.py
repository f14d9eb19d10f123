"""Object storage adapter: one Protocol, a local filesystem and an S3 (aioboto3) backend."""
