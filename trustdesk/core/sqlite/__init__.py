"""SQLite database backend: Django's own, with write transactions queued on a lock file."""
