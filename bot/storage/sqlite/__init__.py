"""SQLite called in place, and its one writer."""
