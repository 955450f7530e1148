"""Storage: tables, engine and sessions, queries, migrations, programme import/export.

Storage never formats a message for a user: it returns data and raises typed errors."""
