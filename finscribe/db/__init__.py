"""Database adapter: SQLAlchemy async models, engine and repositories (PostgreSQL or SQLite)."""
