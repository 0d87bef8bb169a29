"""Exports: carry out a declared flow with only what it allows, seeded with canaries."""

from trustkeep.exports.build import build_export
from trustkeep.exports.canary_admin import controls, retire
from trustkeep.exports.manifests import list_exports, reveal_canaries, show_export
from trustkeep.exports.policy import ExportRefused, check_flow

__all__ = [
    "ExportRefused",
    "build_export",
    "check_flow",
    "controls",
    "list_exports",
    "retire",
    "reveal_canaries",
    "show_export",
]
