"""Database adapter: SQLAlchemy async models, sessions and repositories."""
