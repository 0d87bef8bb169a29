"""STARTTLS is offered only when a certificate is configured, and then works."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from intake_support import SPAMMER_IP, Intake, sightings_count, smtp_from, wait_for
from trustkeep.workspace import Workspace


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_starttls_when_configured(intake: Intake, workspace: Workspace) -> None:
    with intake.server(workspace) as srv, smtp_from(srv.server.smtp_port, SPAMMER_IP) as smtp:
        smtp.ehlo()
        assert not smtp.has_extn("starttls")
    cert, key = self_signed(intake.env.root)
    rcpt = intake.canaries("app")[0]
    context = ssl.create_default_context(cafile=str(cert))
    with intake.server(workspace, tls_cert=str(cert), tls_key=str(key)) as srv:
        with smtp_from(srv.server.smtp_port, SPAMMER_IP) as smtp:
            smtp.ehlo()
            assert smtp.has_extn("starttls")
            smtp.starttls(context=context)
            smtp.ehlo()
            smtp.sendmail("a@x.example", [rcpt], b"Subject: over TLS\r\n\r\nhi\r\n")
        wait_for(lambda: sightings_count(workspace) == 1)
