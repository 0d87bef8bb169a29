"""Trustkeep: be a trusted custodian of your customers data."""
