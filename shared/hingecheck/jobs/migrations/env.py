"""Alembic environment: the job database's schema history (hingecheck.jobs.models)."""

from __future__ import annotations

from alembic import context
from hingecheck.jobs.models import Base
from sqlalchemy import create_engine, text

# Any fixed number: the advisory lock every hingecheck migration takes on PostgreSQL.
MIGRATION_LOCK_KEY = 0x68696E6765  # "hinge"

config = context.config
url = config.get_main_option("sqlalchemy.url")
if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(str(url))
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Processes migrating at once take turns; the lock ends with the
                # transaction, and the next one finds the schema current.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                                   {"key": MIGRATION_LOCK_KEY})
            context.run_migrations()
