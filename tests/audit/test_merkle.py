"""Tests for trustkeep.audit.merkle: RFC 6962 vectors, known answers and properties.

The reference implementations in this file are deliberately naive, recursive
transcriptions of RFC 6962 §2.1 so the production code (iterative, compact
range based) is checked against something written differently.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustkeep.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)
from trustkeep.errors import ProofError

TESTDATA = Path(__file__).parents[1] / "vectors" / "rfc6962" / "testdata"


# -- RFC 6962 JSON vectors -----------------------------------------------------


def _vector_files(kind: str) -> list[Path]:
    # subtreeinclusion/ and subtreeconsistency/ are siblings, not children, of
    # these folders, so they are not picked up here.
    return sorted((TESTDATA / kind).rglob("*.json"))


INCLUSION_FILES = _vector_files("inclusion")
CONSISTENCY_FILES = _vector_files("consistency")


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _b64(value: str) -> bytes:
    return base64.b64decode(value, validate=True)


def _proof(value: list[str] | None) -> list[bytes]:
    return [_b64(p) for p in value or []]


def _case_id(path: Path) -> str:
    return str(path.relative_to(TESTDATA))


def test_vector_folders_are_not_empty() -> None:
    assert len(INCLUSION_FILES) >= 50
    assert len(CONSISTENCY_FILES) >= 50


@pytest.mark.parametrize("path", INCLUSION_FILES, ids=_case_id)
def test_inclusion_vector(path: Path) -> None:
    case = _load(path)
    args = (
        _b64(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        _proof(case["proof"]),
        _b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError) as excinfo:
            verify_inclusion(*args)
        assert len(str(excinfo.value)) < 80  # short reason, never a hash value
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY_FILES, ids=_case_id)
def test_consistency_vector(path: Path) -> None:
    case = _load(path)
    args = (
        case["size1"],
        case["size2"],
        _b64(case["root1"]),
        _b64(case["root2"]),
        _proof(case["proof"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError) as excinfo:
            verify_consistency(*args)
        assert len(str(excinfo.value)) < 80
    else:
        verify_consistency(*args)


# -- known answers: the reference tree of the CT / transparency-dev suites ------

REFERENCE_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
REFERENCE_LEAF_HASHES = [leaf_hash(d) for d in REFERENCE_LEAVES]

# Roots of the first n reference leaves, n = 1..8. Each one also appears in the
# vector files (see test_reference_roots_match_vector_files).
REFERENCE_ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def test_reference_roots_match_vector_files() -> None:
    """Tie the hex constants above to the vector data, not to our own output."""
    seen: dict[int, str] = {}
    for path in INCLUSION_FILES:
        case = _load(path)
        if not case["wantErr"] and path.parent.name.isdigit():
            seen[case["treeSize"]] = _b64(case["root"]).hex()
    for path in CONSISTENCY_FILES:
        case = _load(path)
        if not case["wantErr"] and path.parent.name.isdigit():
            seen[case["size1"]] = _b64(case["root1"]).hex()
            seen[case["size2"]] = _b64(case["root2"]).hex()
    # No happy path has a size-4 tree, but leaf 5 of the size-8 tree has the
    # left half D[0:4] as its last audit path entry.
    case = _load(TESTDATA / "inclusion" / "2" / "happy-path.json")
    assert (case["leafIdx"], case["treeSize"]) == (5, 8)
    seen[4] = _b64(case["proof"][-1]).hex()
    assert seen == REFERENCE_ROOTS


def test_empty_root_and_hash_prefixes() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert root_of([]) == EMPTY_ROOT
    assert CompactRange().root() == EMPTY_ROOT
    assert leaf_hash(b"ab") == hashlib.sha256(b"\x00ab").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize("size", sorted(REFERENCE_ROOTS))
def test_reference_roots(size: int) -> None:
    expected = bytes.fromhex(REFERENCE_ROOTS[size])
    assert root_of(REFERENCE_LEAF_HASHES[:size]) == expected
    rng = CompactRange()
    for h in REFERENCE_LEAF_HASHES[:size]:
        rng.append(h)
    assert rng.size == size
    assert rng.root() == expected


def _happy_paths(files: list[Path]) -> list[dict[str, Any]]:
    cases = [_load(p) for p in files if p.parent.name.isdigit()]
    return [c for c in cases if not c["wantErr"]]


def test_generated_proofs_equal_vector_proofs() -> None:
    """Our proofs over the reference tree are byte-identical to the vectors'."""
    inclusion = _happy_paths(INCLUSION_FILES)
    consistency = [c for c in _happy_paths(CONSISTENCY_FILES) if c["size1"] < c["size2"]]
    assert len(inclusion) >= 4
    assert len(consistency) >= 4
    for case in inclusion:
        idx, size = case["leafIdx"], case["treeSize"]
        assert REFERENCE_LEAF_HASHES[idx] == _b64(case["leafHash"])
        assert inclusion_proof(REFERENCE_LEAF_HASHES[:size], idx) == _proof(case["proof"])
    for case in consistency:
        leaves = REFERENCE_LEAF_HASHES[: case["size2"]]
        assert consistency_proof(leaves, case["size1"]) == _proof(case["proof"])


# -- naive recursive references, straight from RFC 6962 §2.1 --------------------


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = _k(len(d))
    return hashlib.sha256(b"\x01" + _ref_mth(d[:k]) + _ref_mth(d[k:])).digest()


def _ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = _k(len(d))
    if m < k:
        return [*_ref_path(m, d[:k]), _ref_mth(d[k:])]
    return [*_ref_path(m - k, d[k:]), _ref_mth(d[:k])]


def _ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [_ref_mth(d)]
    k = _k(len(d))
    if m <= k:
        return [*_ref_subproof(m, d[:k], b), _ref_mth(d[k:])]
    return [*_ref_subproof(m - k, d[k:], False), _ref_mth(d[:k])]


# -- property tests ------------------------------------------------------------


def _leaves(size: int, salt: bytes) -> list[bytes]:
    return [leaf_hash(salt + i.to_bytes(4, "big")) for i in range(size)]


def _flip(value: bytes, bit: int) -> bytes:
    bit %= len(value) * 8
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


SIZES = st.integers(min_value=1, max_value=200)
SALTS = st.binary(max_size=4)
BITS = st.integers(min_value=0, max_value=255)


@settings(max_examples=60, deadline=None)
@given(size=SIZES, salt=SALTS)
def test_root_of_matches_reference(size: int, salt: bytes) -> None:
    leaves = _leaves(size, salt)
    assert root_of(leaves) == _ref_mth(leaves)


@settings(max_examples=60, deadline=None)
@given(size=SIZES, salt=SALTS, data=st.data())
def test_compact_range_matches_root_of_for_every_prefix(
    size: int, salt: bytes, data: st.DataObject
) -> None:
    leaves = _leaves(size, salt)
    rng = CompactRange()
    for n, h in enumerate(leaves, start=1):
        rng.append(h)
        assert rng.size == n
        assert len(rng.hashes()) == n.bit_count()
        assert rng.root() == root_of(leaves[:n])
    # Spot-check the prefixes against the independent reference too.
    n = data.draw(st.integers(min_value=0, max_value=size))
    assert root_of(leaves[:n]) == _ref_mth(leaves[:n])


@settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=0, max_value=200), extra=st.integers(0, 20), salt=SALTS)
def test_compact_range_round_trips(size: int, extra: int, salt: bytes) -> None:
    leaves = _leaves(size + extra, salt)
    rng = CompactRange()
    for h in leaves[:size]:
        rng.append(h)
    copy = CompactRange.from_hashes(rng.size, rng.hashes())
    assert copy.size == size
    assert copy.hashes() == rng.hashes()
    assert copy.root() == rng.root()
    # A restored range keeps growing exactly like the original.
    for h in leaves[size:]:
        copy.append(h)
    assert copy.root() == root_of(leaves)


def test_compact_range_from_hashes_validates() -> None:
    h = leaf_hash(b"x")
    assert CompactRange.from_hashes(0, []).root() == EMPTY_ROOT
    with pytest.raises(ProofError):
        CompactRange.from_hashes(3, [h])  # popcount(3) == 2
    with pytest.raises(ProofError):
        CompactRange.from_hashes(4, [h, h])
    with pytest.raises(ProofError):
        CompactRange.from_hashes(1, [h[:31]])
    with pytest.raises(ProofError):
        CompactRange.from_hashes(-1, [])
    with pytest.raises(ProofError):
        CompactRange().append(b"short")


@settings(max_examples=80, deadline=None)
@given(size=SIZES, salt=SALTS, data=st.data(), bit=BITS)
def test_inclusion_proofs_verify_and_detect_tampering(
    size: int, salt: bytes, data: st.DataObject, bit: int
) -> None:
    leaves = _leaves(size, salt)
    root = root_of(leaves)
    idx = data.draw(st.integers(min_value=0, max_value=size - 1), label="index")
    proof = inclusion_proof(leaves, idx)
    assert proof == _ref_path(idx, leaves)
    verify_inclusion(leaves[idx], idx, size, proof, root)

    with pytest.raises(ProofError):
        verify_inclusion(_flip(leaves[idx], bit), idx, size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[idx], idx, size, proof, _flip(root, bit))
    if proof:
        pos = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="entry")
        tampered = [*proof[:pos], _flip(proof[pos], bit), *proof[pos + 1 :]]
        with pytest.raises(ProofError):
            verify_inclusion(leaves[idx], idx, size, tampered, root)
        with pytest.raises(ProofError):
            verify_inclusion(leaves[idx], idx, size, proof[:-1], root)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[idx], idx, size, [*proof, root], root)
    if size > 1:
        other = data.draw(
            st.integers(min_value=0, max_value=size - 1).filter(lambda i: i != idx),
            label="other",
        )
        with pytest.raises(ProofError):
            verify_inclusion(leaves[idx], other, size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[idx], size, size, proof, root)


@settings(max_examples=80, deadline=None)
@given(size=SIZES, salt=SALTS, data=st.data(), bit=BITS)
def test_consistency_proofs_verify_and_detect_tampering(
    size: int, salt: bytes, data: st.DataObject, bit: int
) -> None:
    leaves = _leaves(size, salt)
    old_size = data.draw(st.integers(min_value=0, max_value=size), label="old_size")
    old_root, new_root = root_of(leaves[:old_size]), root_of(leaves)
    proof = consistency_proof(leaves, old_size)
    if 0 < old_size < size:
        assert proof == _ref_subproof(old_size, leaves, True)
    else:
        assert proof == []
    verify_consistency(old_size, size, old_root, new_root, proof)

    with pytest.raises(ProofError):
        verify_consistency(old_size, size, _flip(old_root, bit), new_root, proof)
    if old_size > 0:  # every tree extends the empty one, whatever its root
        with pytest.raises(ProofError):
            verify_consistency(old_size, size, old_root, _flip(new_root, bit), proof)
    if proof:
        pos = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="entry")
        tampered = [*proof[:pos], _flip(proof[pos], bit), *proof[pos + 1 :]]
        with pytest.raises(ProofError):
            verify_consistency(old_size, size, old_root, new_root, tampered)
        with pytest.raises(ProofError):
            verify_consistency(old_size, size, old_root, new_root, proof[:-1])
    with pytest.raises(ProofError):
        verify_consistency(old_size, size, old_root, new_root, [*proof, new_root])
    with pytest.raises(ProofError):
        verify_consistency(size, old_size - 1, new_root, old_root, proof)


def test_proof_generation_rejects_bad_arguments() -> None:
    leaves = _leaves(5, b"")
    for idx in (-1, 5):
        with pytest.raises(ProofError):
            inclusion_proof(leaves, idx)
    with pytest.raises(ProofError):
        inclusion_proof([], 0)
    for old in (-1, 6):
        with pytest.raises(ProofError):
            consistency_proof(leaves, old)


def test_verify_rejects_negative_sizes() -> None:
    h = leaf_hash(b"")
    with pytest.raises(ProofError):
        verify_inclusion(h, -1, 1, [], h)
    with pytest.raises(ProofError):
        verify_consistency(-1, 1, h, h, [])


def test_root_of_a_million_leaves() -> None:
    """One million leaves must not hit recursion limits (and stays O(n))."""
    size = 1_000_000
    pattern = _leaves(4, b"m")
    leaves = pattern * (size // 4)
    # With a period-4 pattern every aligned perfect subtree of 2**h >= 4 leaves
    # has the same root, so the expected head follows without hashing 1M leaves.
    level = [node_hash(node_hash(pattern[0], pattern[1]), node_hash(pattern[2], pattern[3]))]
    for _ in range(2, size.bit_length()):
        level.append(node_hash(level[-1], level[-1]))
    subtrees = [level[h - 2] for h in reversed(range(size.bit_length())) if size >> h & 1]
    assert size & 3 == 0  # the decomposition only has subtrees of >= 4 leaves
    expected = subtrees[-1]
    for s in reversed(subtrees[:-1]):
        expected = node_hash(s, expected)
    assert root_of(leaves) == expected
