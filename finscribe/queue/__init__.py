"""Queue adapter: a small job-queue Protocol and its arq (Redis) implementation."""
