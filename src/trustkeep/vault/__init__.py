"""The vault: customer data encrypted per the standard, looked up by blind index."""

from trustkeep.vault.ingest import ImportSummary, import_csv
from trustkeep.vault.keys import describe_keys, retire_key, rewrap, rotate_keys
from trustkeep.vault.subjects import count, describe, erase, lookup_email, reveal

__all__ = [
    "ImportSummary",
    "count",
    "describe",
    "describe_keys",
    "erase",
    "import_csv",
    "lookup_email",
    "retire_key",
    "reveal",
    "rewrap",
    "rotate_keys",
]
