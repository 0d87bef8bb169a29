"""The REST API: scopes, pagination, filters, one error shape, reveal with a purpose."""

from __future__ import annotations

from support import SAMPLE
from web.harness import SAMPLE_VALUES, Site


def test_healthz_needs_no_auth_and_says_nothing(site: Site) -> None:
    response = site.client().get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_openapi_schema_is_served_and_names_scopes(site: Site) -> None:
    schema = site.client().get("/api/v1/openapi.json").json()
    ops = [op for path in schema["paths"].values() for op in path.values()]
    assert len(ops) >= 15
    assert all(isinstance(op["x-trustkeep-scopes"], list) for op in ops)
    assert not any(p.startswith("/inbound") for p in schema["paths"])


def test_me_names_the_key_and_its_scopes(site: Site) -> None:
    me = site.client("auditor").get("/api/v1/me").json()
    assert me["kind"] == "apikey" and "audit:read" in me["scopes"]
    assert "subjects:reveal" not in me["scopes"]


def test_errors_share_one_shape(site: Site) -> None:
    client = site.client("admin")
    for response in (
        client.get("/api/v1/exports/nope"),
        client.get("/api/v1/alerts?limit=0"),
        site.client().get("/api/v1/alerts"),
        site.client("auditor").post("/api/v1/subjects/x/reveal", json={"purpose": "p"}),
    ):
        assert response.status_code in (401, 403, 404, 422), response.text
        body = response.json()
        assert set(body) == {"error"} and {"code", "message", "hint"} <= set(body["error"])


def test_lookup_count_describe_and_reveal_with_purpose(site: Site) -> None:
    admin = site.client("admin")
    assert admin.get("/api/v1/subjects/count").json()["subjects"] == 1005
    email = SAMPLE[0][0]
    ids = admin.post("/api/v1/subjects/lookup", json={"email": email}).json()["subject_ids"]
    assert len(ids) == 1
    described = admin.get(f"/api/v1/subjects/{ids[0]}").json()
    assert "email" in described["categories"] and email not in str(described)
    missing = admin.post(f"/api/v1/subjects/{ids[0]}/reveal", json={})
    assert missing.status_code == 422
    revealed = admin.post(f"/api/v1/subjects/{ids[0]}/reveal", json={"purpose": "DSAR 7"})
    assert revealed.json()["values"]["email"] == email
    events = site.ws.audit.events(action="subjects.reveal")
    assert events[-1].actor == "apikey:admin/" + site.keys["admin"].split("_")[1]
    assert events[-1].purpose == "DSAR 7"


def test_engineer_cannot_reveal_and_the_denial_is_audited(site: Site) -> None:
    engineer = site.client("engineer")
    email = SAMPLE[1][0]
    ids = engineer.post("/api/v1/subjects/lookup", json={"email": email}).json()["subject_ids"]
    response = engineer.post(f"/api/v1/subjects/{ids[0]}/reveal", json={"purpose": "curious"})
    assert response.status_code == 403
    assert not any(value in response.text for value in SAMPLE_VALUES)
    denial = site.ws.audit.events(action="auth.denied")[-1]
    assert denial.actor.startswith("apikey:engineer/")
    assert denial.target_id == "POST /api/v1/subjects/{subject_id}/reveal"
    assert denial.details["scope"] == "subjects:reveal"


def test_exports_pagination_and_partner_filter(site: Site) -> None:
    client = site.client("engineer")
    page = client.get("/api/v1/exports?limit=1").json()
    assert len(page["items"]) == 1 and page["next_offset"] is None
    assert client.get("/api/v1/exports?partner=nobody").json()["items"] == []
    export_id = page["items"][0]["export_id"]
    manifest = client.get(f"/api/v1/exports/{export_id}").json()
    assert manifest["canaries"]["count"] >= 1
    partners = client.get("/api/v1/partners").json()["partners"]
    assert partners[0]["partner_id"] == "app" and partners[0]["canaries"] >= 1


def test_canaries_are_privileged(site: Site) -> None:
    export_id = site.export["export_id"]
    body = {"purpose": "check seeding"}
    assert (
        site.client("analyst").post(f"/api/v1/exports/{export_id}/canaries", json=body).status_code
        == 403
    )
    found = site.client("admin").post(f"/api/v1/exports/{export_id}/canaries", json=body).json()
    assert {c["email"] for c in found["canaries"]} >= set(site.canaries())


def test_audit_events_page_on_and_verify(site: Site) -> None:
    client = site.client("auditor")
    first = client.get("/api/v1/audit/events?limit=2").json()
    assert [e["seq"] for e in first["items"]] == [1, 2] and first["next_offset"] == 2
    second = client.get(f"/api/v1/audit/events?limit=2&after={first['next_offset']}").json()
    assert second["items"][0]["seq"] == 3
    assert client.get("/api/v1/audit/verify").json()["ok"] is True


def test_alert_list_show_evidence_acknowledge_resolve(alerted: Site) -> None:
    analyst = alerted.client("analyst")
    alert_id = alerted.alert_id
    listed = analyst.get("/api/v1/alerts?status=open").json()["items"]
    assert [a["id"] for a in listed] == [alert_id]
    assert analyst.get("/api/v1/alerts?status=resolved").json()["items"] == []
    shown = analyst.get(f"/api/v1/alerts/{alert_id}").json()
    assert shown["partner_id"] == "app" and len(shown["sightings"]) == 1
    evidence = analyst.get(f"/api/v1/alerts/{alert_id}/evidence").json()
    assert evidence["messages"][0]["masked"] is True
    assert alerted.mailed[0] not in str(evidence)
    sightings = analyst.get(f"/api/v1/sightings?alert={alert_id}").json()["items"]
    assert len(sightings) == 1
    assert analyst.post(f"/api/v1/alerts/{alert_id}/acknowledge").json()["status"] == "acknowledged"
    assert analyst.post(f"/api/v1/alerts/{alert_id}/resolve", json={}).status_code == 422
    done = analyst.post(f"/api/v1/alerts/{alert_id}/resolve", json={"reason": "partner breach"})
    assert done.json()["status"] == "resolved"
    assert done.json()["resolved_by"].startswith("apikey:analyst/")
    auditor = alerted.client("auditor")
    assert auditor.post(f"/api/v1/alerts/{alert_id}/acknowledge").status_code == 403


def test_revealed_evidence_needs_reveal_and_a_purpose(alerted: Site) -> None:
    path = f"/api/v1/alerts/{alerted.alert_id}/evidence/reveal"
    assert alerted.client("engineer").post(path, json={"purpose": "x"}).status_code == 403
    revealed = alerted.client("analyst").post(path, json={"purpose": "INC-4"}).json()
    assert alerted.mailed[0] in str(revealed)
    assert alerted.ws.audit.events(action="evidence.reveal")[-1].purpose == "INC-4"


def test_revoked_key_is_refused(site: Site) -> None:
    key_id = site.keys["auditor"].split("_")[1]
    assert site.env.cli("apikeys", "revoke", key_id).code == 0
    assert site.client("auditor").get("/api/v1/me").status_code == 401


def test_demo_login_creates_or_resets_an_admin(site: Site) -> None:
    from trustkeep.web.auth.users import authenticate
    from trustkeep.web.demo_login import ensure_demo_user

    name, first = ensure_demo_user(site.ws)
    name, second = ensure_demo_user(site.ws)
    assert first != second and len(second) >= 12
    assert authenticate(site.ws, name, second, None).role == "admin"


def test_nul_in_a_url_is_a_clear_400_never_a_server_error(site: Site) -> None:
    client = site.client("admin")
    for url in ("/api/v1/audit/events?action=a%00b", "/api/v1/alerts/al%00x"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response.json()["error"]["code"] == "invalid_input"
        assert response.headers["x-content-type-options"] == "nosniff"
