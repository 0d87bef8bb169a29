"""The console in Debian's Chromium: sign in, overview, a canary mailed over SMTP during
the test appears live (no reload), and its evidence opens.

Screenshots are kept under $TRUSTKEEP_ARTIFACTS (default: the test's tmp folder).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from web.harness import PASSWORD, Site

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)


@pytest.fixture
def shots(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Path]:
    base = os.environ.get("TRUSTKEEP_ARTIFACTS")
    folder = Path(base) / "screenshots" / request.node.name if base else tmp_path / "shots"
    folder.mkdir(parents=True, exist_ok=True)
    yield folder


def test_alert_appears_live_and_opens_its_evidence(site: Site, shots: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    assert shutil.which(CHROMIUM) or Path(CHROMIUM).exists()
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with site.server(http=True) as srv, sync_playwright() as pw:
        base = f"http://127.0.0.1:{srv.server.http_port}"
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{base}/")
            expect(page).to_have_url(f"{base}/login")
            page.fill("input[name=name]", "analyst")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_contain_text("in control")
            expect(page.locator("#coverage")).to_contain_text("Pocket Perks")
            expect(page.locator("#audit-status")).to_contain_text("Verified")
            expect(page.locator("#open-count")).to_have_text("0")
            page.screenshot(path=str(shots / "overview.png"), full_page=True)

            page.click("nav >> text=Alerts")
            expect(page.locator("#alert-rows")).to_contain_text("No alerts.")
            site.mail_canary(srv.server.smtp_port, site.canaries()[0])
            row = page.locator("#alert-rows tr[data-alert]")
            expect(row).to_have_count(1, timeout=30_000)  # arrives by server-sent events
            expect(row).to_contain_text("app")
            page.screenshot(path=str(shots / "alert-live.png"), full_page=True)

            row.locator("a").click()  # the second click: alert -> evidence
            expect(page.locator("#evidence-messages")).to_contain_text("masked")
            expect(page.locator("#evidence-timeline")).to_contain_text("alert.raised")
            assert site.mailed[0] not in page.content()
            page.screenshot(path=str(shots / "evidence.png"), full_page=True)

            page.click("text=Acknowledge")
            expect(page.locator("h1 .status")).to_have_text("acknowledged")
            assert not [e for e in errors if "Content Security Policy" in e], errors
        finally:
            browser.close()
