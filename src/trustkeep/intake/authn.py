"""SPF, DKIM and DMARC verdicts for a received message, with DNS from a `Resolver`.

DKIM is dkimpy (`DKIM.verify(dnsfunc=...)`), SPF is pyspf (see `auth_spf` for
how its DNS is redirected without global state), DMARC is `auth_dmarc`.
`evaluate` never raises: a message we cannot judge gets temperror/permerror.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dkim.util import parse_tag_value

from trustkeep.intake.auth_dmarc import evaluate_dmarc
from trustkeep.intake.auth_domain import aligned, normalise_domain
from trustkeep.intake.auth_spf import check_spf
from trustkeep.intake.evidence import from_domain_of
from trustkeep.intake.resolver import Resolver

__all__ = [
    "AuthResults",
    "DkimResult",
    "dkim_sign",
    "evaluate",
    "generate_dkim_key",
]

MAX_SIGNATURES = 8  # DKIM signatures verified per message; more is an attack, not mail
DEFAULT_SIGNED = (b"from", b"to", b"subject", b"date", b"message-id")

# dkimpy logs at debug/error level with signature and key details; keep it out of
# the application's logs (it is one more place message content could leak into).
_LOG = logging.getLogger("trustkeep.intake.authn.dkimpy")
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False


@dataclass(frozen=True)
class DkimResult:
    domain: str
    selector: str
    result: str  # pass | fail | neutral | temperror | permerror


@dataclass(frozen=True)
class AuthResults:
    spf: str  # pass | fail | softfail | neutral | none | temperror | permerror
    spf_domain: str | None  # MAIL FROM domain, or HELO for the null sender
    dkim: tuple[DkimResult, ...]
    dmarc: str  # pass | fail | none | temperror
    dmarc_policy: str | None  # none | quarantine | reject
    from_domain: str | None
    spf_aligned: bool  # SPF pass and spf_domain aligned (relaxed) with from_domain
    dkim_aligned: bool  # some DKIM pass whose d= is aligned (relaxed) with from_domain

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "spf": self.spf,
            "spf_domain": self.spf_domain,
            "dkim": [
                {"domain": r.domain, "selector": r.selector, "result": r.result} for r in self.dkim
            ],
            "dmarc": self.dmarc,
            "dmarc_policy": self.dmarc_policy,
            "from_domain": self.from_domain,
            "spf_aligned": self.spf_aligned,
            "dkim_aligned": self.dkim_aligned,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AuthResults:
        """Inverse of `to_dict`."""
        return cls(
            spf=str(d["spf"]),
            spf_domain=d.get("spf_domain"),
            dkim=tuple(
                DkimResult(str(r["domain"]), str(r["selector"]), str(r["result"]))
                for r in d.get("dkim") or ()
            ),
            dmarc=str(d["dmarc"]),
            dmarc_policy=d.get("dmarc_policy"),
            from_domain=d.get("from_domain"),
            spf_aligned=bool(d.get("spf_aligned")),
            dkim_aligned=bool(d.get("dkim_aligned")),
        )

    def passing_dkim_domains(self) -> set[str]:
        """d= domains of the signatures that verified."""
        return {r.domain for r in self.dkim if r.result == "pass"}


_UNKNOWN = object()


def evaluate(
    raw: bytes,
    *,
    peer_ip: str | None,
    helo: str | None,
    mail_from: str,
    resolver: Resolver,
    from_domain: Any = _UNKNOWN,
) -> AuthResults:
    """SPF, DKIM and DMARC for one message; never raises.

    `from_domain`, when the caller parsed it already (`evidence.parse`), saves a parse.
    """
    try:
        found = from_domain_of(raw) if from_domain is _UNKNOWN else from_domain
        return _evaluate(bytes(raw), peer_ip, helo, mail_from or "", resolver, found)
    except Exception:  # a verdict is always returned; "temperror" invites a later retry
        return AuthResults("temperror", None, (), "temperror", None, None, False, False)


def _evaluate(
    raw: bytes,
    peer_ip: str | None,
    helo: str | None,
    mail_from: str,
    resolver: Resolver,
    from_domain: str | None,
) -> AuthResults:
    spf, spf_domain = check_spf(peer_ip=peer_ip, helo=helo, mail_from=mail_from, resolver=resolver)
    signatures = check_dkim(raw, resolver)
    verdict = evaluate_dmarc(
        from_domain=from_domain,
        spf=spf,
        spf_domain=spf_domain,
        dkim=[(r.domain, r.result) for r in signatures],
        resolver=resolver,
    )
    return AuthResults(
        spf=spf,
        spf_domain=spf_domain,
        dkim=signatures,
        dmarc=verdict.result,
        dmarc_policy=verdict.policy,
        from_domain=from_domain,
        spf_aligned=spf == "pass" and aligned(spf_domain, from_domain),
        dkim_aligned=any(r.result == "pass" and aligned(r.domain, from_domain) for r in signatures),
    )


class _KeyLookup:
    """dkimpy's `dnsfunc`, remembering whether the key was missing, broken or unreachable."""

    def __init__(self, resolver: Resolver) -> None:
        self.resolver = resolver
        self.called = self.temporary = self.bad_key = False

    def __call__(self, name: bytes | str, timeout: float = 5) -> bytes | None:
        self.called = True
        try:
            text = name.decode("ascii") if isinstance(name, bytes) else str(name)
            records = self.resolver.txt(text.rstrip("."))
        except UnicodeError:
            self.bad_key = True
            return None
        except Exception:
            self.temporary = True
            # dkimpy turns this into a plain False; `temporary` tells us it was DNS.
            raise dkim.DnsTimeoutError("DNS lookup failed") from None
        keys = [r for r in records if b"p=" in r]
        if not keys:
            self.bad_key = True
            return None
        try:
            dkim.evaluate_pk(text, keys[0])
        except Exception:
            self.bad_key = True
        return keys[0]


def check_dkim(raw: bytes, resolver: Resolver) -> tuple[DkimResult, ...]:
    """One result per DKIM-Signature header (top first, at most MAX_SIGNATURES)."""
    try:
        headers = dkim.DKIM(raw, logger=_LOG).headers
    except Exception:  # headers dkimpy cannot read: no signature it could verify either
        return ()
    values = [v for n, v in headers if n.lower() == b"dkim-signature"][:MAX_SIGNATURES]
    return tuple(_verify_one(raw, idx, value, resolver) for idx, value in enumerate(values))


def _verify_one(raw: bytes, idx: int, header: bytes, resolver: Resolver) -> DkimResult:
    try:
        tags = parse_tag_value(header)
    except Exception:
        tags = {}
    domain = normalise_domain(_tag(tags, b"d")) or _tag(tags, b"d")[:253].lower()
    selector = _tag(tags, b"s")[:253]
    lookup = _KeyLookup(resolver)
    try:
        ok = bool(dkim.DKIM(raw, logger=_LOG, minkey=1024).verify(idx=idx, dnsfunc=lookup))
    except dkim.ValidationError:
        # After the key was fetched this is a signature or body hash mismatch;
        # before, a malformed signature header.
        result = "fail" if lookup.called and not lookup.bad_key else "permerror"
    except Exception:
        result = "temperror" if lookup.temporary else "permerror"
    else:
        if ok:
            result = "pass"
        elif lookup.temporary:
            result = "temperror"
        elif lookup.bad_key or not lookup.called:
            result = "permerror"
        else:
            result = "fail"
    return DkimResult(domain=domain, selector=selector, result=result)


def _tag(tags: Any, key: bytes) -> str:
    value = tags.get(key, b"") if isinstance(tags, dict) else b""
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
    return "".join(text.split()).replace("\x00", "")


def generate_dkim_key() -> tuple[bytes, Any]:
    """A fresh RSA 2048 DKIM key: (private key PEM, public key) for tests and the demo."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return pem, key.public_key()


def dkim_sign(
    raw: bytes,
    *,
    domain: str,
    selector: str,
    private_pem: bytes,
    headers: Sequence[bytes] = DEFAULT_SIGNED,
) -> bytes:
    """The message with a DKIM-Signature header (rsa-sha256, relaxed/relaxed) prepended."""
    linesep = b"\r\n" if b"\r\n" in raw[:4096] or b"\n" not in raw[:4096] else b"\n"
    signature = dkim.sign(
        raw,
        selector.encode("ascii"),
        domain.encode("ascii"),
        private_pem,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=list(headers),
        logger=_LOG,
        linesep=linesep,
    )
    return bytes(signature) + raw
