"""Crypto recipes on pyca/cryptography: keyring, envelope encryption, blind indexes.

Nothing here invents a primitive: AES-256-GCM, HKDF-SHA256, HMAC-SHA256,
scrypt and Ed25519 all come from pyca/cryptography.
"""

from trustkeep.crypto.blind_index import compute as blind_index
from trustkeep.crypto.blind_index import normalise, recommend_bits
from trustkeep.crypto.envelope import DataKey, header_key_id
from trustkeep.crypto.keyset import Key, Keyring

__all__ = [
    "DataKey",
    "Key",
    "Keyring",
    "blind_index",
    "header_key_id",
    "normalise",
    "recommend_bits",
]
