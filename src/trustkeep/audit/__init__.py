"""Tamper-evident audit log: Merkle tree hashing, proofs and checkpoints."""
