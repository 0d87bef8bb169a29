"""Storage: SQLAlchemy 2 engine, tables and Alembic migrations (SQLite and PostgreSQL)."""

from trustkeep.store.engine import Store, make_engine
from trustkeep.store.migrate import heads, require_current, upgrade

__all__ = ["Store", "heads", "make_engine", "require_current", "upgrade"]
