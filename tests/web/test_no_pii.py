"""No PII in HTML, API responses or logs for a user without reveal; a positive control."""

from __future__ import annotations

import logging
import re

import pytest

from support import SAMPLE
from web.harness import PASSWORD, SAMPLE_VALUES, Site

PAGES = ["/", "/alerts", "/exports", "/map", "/audit", "/subjects"]


def _login(site: Site, role: str) -> object:
    client = site.client()
    client.get("/login")
    form = {"name": role, "password": PASSWORD, "csrf": client.cookies.get("tk_login_csrf")}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    return client


def _subject(site: Site) -> str:
    found = site.client("admin").post("/api/v1/subjects/lookup", json={"email": SAMPLE[0][0]})
    return str(found.json()["subject_ids"][0])


def test_nothing_personal_without_reveal(alerted: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    secret_values = [*SAMPLE_VALUES, *alerted.mailed]
    subject = _subject(alerted)
    for role in ("engineer", "auditor", "analyst"):
        client = _login(alerted, role)
        texts = [client.get(page).text for page in PAGES]  # type: ignore[attr-defined]
        texts.append(client.get(f"/alerts/{alerted.alert_id}").text)  # type: ignore[attr-defined]
        texts.append(client.get(f"/subjects?subject={subject}").text)  # type: ignore[attr-defined]
        api = alerted.client(role)
        for path in (
            "/api/v1/alerts",
            f"/api/v1/alerts/{alerted.alert_id}",
            f"/api/v1/alerts/{alerted.alert_id}/evidence",
            "/api/v1/sightings",
            f"/api/v1/subjects/{subject}",
            "/api/v1/audit/events?limit=200",
            "/api/v1/exports",
            f"/api/v1/exports/{alerted.export['export_id']}",
        ):
            texts.append(api.get(path).text)
        for text in texts:
            leaked = [v for v in secret_values if v in text]
            assert leaked == [], role
    assert not [v for v in secret_values if v in caplog.text]


def test_positive_control_a_revealing_user_sees_values(alerted: Site) -> None:
    subject = _subject(alerted)
    client = _login(alerted, "analyst")
    page = client.get(f"/subjects?subject={subject}").text  # type: ignore[attr-defined]
    assert SAMPLE[0][0] not in page
    csrf = page.split('name="csrf" value="', 2)[2].split('"', 1)[0]
    shown = client.post(  # type: ignore[attr-defined]
        f"/subjects/{subject}/reveal", data={"purpose": "DSAR 12", "csrf": csrf}
    )
    assert SAMPLE[0][0] in shown.text and SAMPLE[0][1] in shown.text
    evidence = client.post(  # type: ignore[attr-defined]
        f"/alerts/{alerted.alert_id}/reveal", data={"purpose": "INC-9", "csrf": csrf}
    )
    assert alerted.mailed[0] in evidence.text
    reveals = alerted.ws.audit.events(action="subjects.reveal")
    assert reveals[-1].actor == "user:analyst" and reveals[-1].purpose == "DSAR 12"


def test_a_user_without_reveal_is_refused_and_audited(alerted: Site) -> None:
    subject = _subject(alerted)
    client = _login(alerted, "engineer")
    page = client.get(f"/subjects?subject={subject}").text  # type: ignore[attr-defined]
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    refused = client.post(  # type: ignore[attr-defined]
        f"/subjects/{subject}/reveal", data={"purpose": "curious", "csrf": csrf}
    )
    assert refused.status_code == 403 and SAMPLE[0][0] not in refused.text
    denial = alerted.ws.audit.events(action="auth.denied")[-1]
    assert denial.actor == "user:engineer" and denial.details["scope"] == "subjects:reveal"


def test_login_is_rate_limited_and_audited(site: Site) -> None:
    client = site.client()
    statuses = []
    for _ in range(7):
        client.get("/login")
        form = {"name": "auditor", "password": "wrong", "csrf": client.cookies.get("tk_login_csrf")}
        statuses.append(client.post("/login", data=form).status_code)
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    client.get("/login")
    good = {"name": "auditor", "password": PASSWORD, "csrf": client.cookies.get("tk_login_csrf")}
    assert client.post("/login", data=good).status_code == 429
    reasons = [e.details["reason"] for e in site.ws.audit.events(action="auth.login_failed")]
    assert reasons.count("rate_limited") == 3


def test_security_headers(site: Site) -> None:
    response = site.client().get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in response.text
    assert re.search(r"\son[a-z]+=", response.text) is None  # no inline event handlers
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite" in cookie
