"""EventFlow Seating: seating plans for event organisers on PostgreSQL with row-level security."""

__version__ = "0.1.0"
