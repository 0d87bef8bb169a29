"""A workspace: one custodian's folder, database, keyring and audit log."""

from trustkeep.workspace.open import Workspace, init_workspace, open_workspace

__all__ = ["Workspace", "init_workspace", "open_workspace"]
