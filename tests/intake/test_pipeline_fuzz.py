"""Whatever bytes arrive, the processor stores a sighting and never crashes (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake_support import Intake, messages_count, spool_count
from trustkeep.clock import utc_now
from trustkeep.intake.matcher import CanaryMatcher
from trustkeep.intake.message import Inbound
from trustkeep.intake.processor import Processor
from trustkeep.intake.spool import Spool
from trustkeep.workspace import Workspace

HEADER = st.sampled_from(
    [b"From", b"To", b"Cc", b"Subject", b"Content-Type", b"Received", b"DKIM-Signature", b"X-\xff"]
)
LINE = st.tuples(HEADER, st.binary(max_size=300)).map(lambda hv: hv[0] + b": " + hv[1])


def nested(depth: int) -> bytes:
    """A multipart nested `depth` deep, every boundary distinct."""
    body = b"Content-Type: text/plain\r\n\r\nhttp://x.example/leaf\r\n"
    for level in range(depth):
        b = b"b%d" % level
        body = (
            b'Content-Type: multipart/mixed; boundary="' + b + b'"\r\n\r\n--' + b + b"\r\n"
            + body + b"\r\n--" + b + b"--\r\n"
        )  # fmt: skip
    return b"From: a@b.example\r\n" + body


RAW = st.one_of(
    st.binary(max_size=2000),
    st.lists(LINE, max_size=30).map(lambda ls: b"\r\n".join(ls) + b"\r\n\r\nbody"),
    st.integers(1, 200).map(nested),
    st.integers(1, 4).map(lambda n: b"Subject: " + b"\xe9" * 20_000 * n + b"\r\n\r\nx"),
    st.binary(max_size=500).map(lambda b: b.replace(b"\r\n", b"\n")),
)


def test_malformed_mail_never_crashes_the_pipeline(intake: Intake, workspace: Workspace) -> None:
    matcher = CanaryMatcher(workspace)
    matcher.refresh(force=True)
    canary = intake.canaries("app")[0]
    (hit,) = matcher.confirm(canary)
    spool = Spool(workspace, limit=1000)
    processor = Processor(workspace, spool, intake.zone, utc_now)
    sent = 0

    @settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=40)
    @given(raw=RAW, helo=st.text(max_size=40), mail_from=st.text(max_size=60))
    def feed(raw: bytes, helo: str, mail_from: str) -> None:
        nonlocal sent
        message = Inbound("smtp", utc_now(), raw, mail_from, (canary,), "127.0.0.9", helo)
        spool._commit([(message, (hit,))])
        sent += 1
        assert processor.run_once() == 1

    feed()
    assert spool_count(workspace) == 0
    assert messages_count(workspace) == sent
