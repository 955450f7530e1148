"""Alembic environment: runs on the connection that storage.db.migrate hands over, or on
the URL of DATABASE_URL when alembic is run by hand."""

from alembic import context
from sqlalchemy import Connection
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)

target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    import os

    from storage.db import make_engine

    with make_engine(os.environ.get("DATABASE_URL", "sqlite:///digibot.db")).connect() as fresh:
        _run(fresh)
        fresh.commit()
