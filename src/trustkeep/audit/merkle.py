"""RFC 6962 / RFC 9162 Merkle tree hashing, proofs and proof verification.

Pure domain code: no I/O, SHA-256 from :mod:`hashlib` only. Leaves are passed
in already hashed with :func:`leaf_hash`, so callers can keep leaf hashes in
storage and never re-read the leaf data to build a proof.

Every verification failure raises :class:`~trustkeep.errors.ProofError` with a
short reason. Messages never carry hash values: they may be logged or shown.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from trustkeep.errors import ProofError

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "CompactRange",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root_of",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32

# The domain-separation prefixes stop a leaf from being passed off as an
# interior node (second-preimage attack), RFC 6962 §2.1.
_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    """Return SHA-256(0x00 || data), the hash of one leaf."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return SHA-256(0x01 || left || right), the hash of an interior node."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """Largest power of two strictly less than ``n`` (n >= 2): RFC 6962's split point."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{what} is not a {HASH_SIZE}-byte hash")


class CompactRange:
    """The right edge of a Merkle tree that grows one leaf at a time from size 0.

    It holds one root per perfect subtree the tree decomposes into (one per set
    bit of ``size``, largest first). That is all that is needed to compute the
    tree's root and to keep appending, so a log can persist it instead of every
    leaf hash.
    """

    __slots__ = ("_hashes", "_size")

    def __init__(self) -> None:
        self._size = 0
        self._hashes: list[bytes] = []

    @classmethod
    def from_hashes(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """Rebuild a range from a ``size`` and the output of :meth:`hashes`.

        The input usually comes from storage, so it is checked rather than trusted.
        """
        if size < 0:
            raise ProofError("compact range size is negative")
        if len(hashes) != size.bit_count():
            raise ProofError("compact range has the wrong number of hashes")
        for h in hashes:
            _check_hash(h, "compact range entry")
        rng = cls()
        rng._size = size
        rng._hashes = [bytes(h) for h in hashes]
        return rng

    @property
    def size(self) -> int:
        """Number of leaves appended so far."""
        return self._size

    def hashes(self) -> list[bytes]:
        """The perfect-subtree roots, left to right (a copy)."""
        return list(self._hashes)

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf hash at the right edge; amortised O(1) node hashes."""
        _check_hash(leaf_hash, "leaf hash")
        h = leaf_hash
        size = self._size
        # Each trailing set bit of the old size is a perfect subtree of the same
        # height as the one being carried, so the two merge, like binary addition.
        while size & 1:
            h = node_hash(self._hashes.pop(), h)
            size >>= 1
        self._hashes.append(h)
        self._size += 1

    def root(self) -> bytes:
        """The RFC 6962 tree head of the leaves appended so far."""
        if not self._hashes:
            return EMPTY_ROOT
        # MTH splits at the largest power of two, which is exactly the leftmost
        # perfect subtree; folding from the right reproduces that recursion.
        acc = self._hashes[-1]
        for h in reversed(self._hashes[:-1]):
            acc = node_hash(h, acc)
        return acc


def _range_root(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH of ``leaf_hashes[start:end]`` without copying the slice."""
    rng = CompactRange()
    for i in range(start, end):
        rng.append(leaf_hashes[i])
    return rng.root()


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """RFC 6962 Merkle tree hash (MTH) of already-hashed leaves; O(n), no recursion."""
    return _range_root(leaf_hashes, 0, len(leaf_hashes))


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 6962 audit path PATH(index, D[n]), ordered from the leaf upwards."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ProofError("leaf index is outside the tree")
    # Walk down from the root; each step records the sibling subtree. Siblings
    # are found top-down but the proof lists them bottom-up, hence the reverse.
    path: list[bytes] = []
    start, end = 0, n
    while end - start > 1:
        k = _largest_power_of_two_below(end - start)
        if index < start + k:
            path.append(_range_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            path.append(_range_root(leaf_hashes, start, start + k))
            start += k
    path.reverse()
    return path


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int) -> list[bytes]:
    """RFC 6962 PROOF(old_size, D[n]); empty when old_size is 0 or n."""
    n = len(leaf_hashes)
    if not 0 <= old_size <= n:
        raise ProofError("old tree size is outside the tree")
    if old_size in (0, n):
        return []
    # Iterative SUBPROOF(m, D[start:end], b): b stays True only while the old
    # tree's root is itself a node of the new tree, whose hash the verifier has.
    path: list[bytes] = []
    start, end, m, have_root = 0, n, old_size, True
    while m != end - start:
        k = _largest_power_of_two_below(end - start)
        if m <= k:
            path.append(_range_root(leaf_hashes, start + k, end))
            end = start + k
        else:
            path.append(_range_root(leaf_hashes, start, start + k))
            start += k
            m -= k
            have_root = False
    if not have_root:
        path.append(_range_root(leaf_hashes, start, end))
    path.reverse()
    return path


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` (a leaf hash) sits at ``index`` of the tree with ``root``.

    RFC 9162 §2.1.3.2. Returns None on success, raises ProofError otherwise.
    """
    if not 0 <= index < size:
        raise ProofError("leaf index is outside the tree")
    _check_hash(leaf, "leaf hash")
    _check_hash(root, "root")
    for p in proof:
        _check_hash(p, "inclusion proof entry")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof has wrong length")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # On the right edge of an unbalanced tree a node has no sibling at
            # some levels; skip those levels until we are a right child again.
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof has wrong length")
    if r != root:
        raise ProofError("inclusion proof does not match the root")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``new_size`` with ``new_root`` extends the old one.

    RFC 9162 §2.1.4.2. Returns None on success, raises ProofError otherwise.
    """
    if old_size < 0 or new_size < 0:
        raise ProofError("tree size is negative")
    if old_size > new_size:
        raise ProofError("old tree is larger than new tree")
    if old_size == new_size:
        if proof:
            raise ProofError("consistency proof between equal sizes must be empty")
        # Nothing is recomputed, so the roots are only compared; an empty tree
        # has exactly one valid root.
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise ProofError("root of the empty tree is wrong")
        if old_root != new_root:
            raise ProofError("roots differ for equal tree sizes")
        return
    _check_hash(new_root, "new root")
    if old_size == 0:
        # Every tree extends the empty tree; only its fixed root can be checked.
        if proof:
            raise ProofError("consistency proof from the empty tree must be empty")
        if old_root != EMPTY_ROOT:
            raise ProofError("root of the empty tree is wrong")
        return
    _check_hash(old_root, "old root")
    for p in proof:
        _check_hash(p, "consistency proof entry")
    if not proof:
        raise ProofError("consistency proof has wrong length")

    path = list(proof)
    # When the old tree is perfect its root is a node of the new tree and the
    # proof omits it, because the verifier already holds it.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof has wrong length")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof has wrong length")
    if fr != old_root:
        raise ProofError("consistency proof does not match the old root")
    if sr != new_root:
        raise ProofError("consistency proof does not match the new root")
