"""FinScribe: financial documents to checked, structured data."""

__version__ = "0.1.0"
