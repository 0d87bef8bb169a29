"""Every operation of the OpenAPI schema, for every role and for no credentials.

Operations come from the schema itself, so a new endpoint is covered the day
it is added. A denial is 401/403 with the error shape and an audit event,
never data. (The inbound webhooks are not in the schema: provider
signatures, not users, authenticate them; tests/intake covers them.)
"""

from __future__ import annotations

import re
from typing import Any

from trustkeep.web.auth import ROLES
from web.harness import Site

BODIES = {"purpose": "authorisation matrix", "reason": "authorisation matrix", "email": "a@b.c"}


def _operations(schema: dict[str, Any]) -> list[tuple[str, str, list[str], dict[str, Any]]]:
    ops = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            ops.append((method.upper(), path, op["x-trustkeep-scopes"], op))
    return ops


def _body(schema: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    content = op.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    ref = content["schema"]["$ref"].rsplit("/", 1)[1]
    fields = schema["components"]["schemas"][ref]["properties"]
    return {name: BODIES[name] for name in fields}


def _url(path: str, site: Site) -> str:
    ids = {"alert_id": site.alert_id, "export_id": site.export["export_id"]}
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1)) or "sub_missing", path)


def test_every_operation_for_every_role_and_for_no_credentials(alerted: Site) -> None:
    schema = alerted.client().get("/api/v1/openapi.json").json()
    ops = _operations(schema)
    assert len(ops) >= 18
    for role in [None, *ROLES]:
        client = alerted.client(role)
        granted = ROLES[role] if role else frozenset()
        for method, path, needs, op in ops:
            before = len(alerted.ws.audit.events(action="auth.denied"))
            response = client.request(method, _url(path, alerted), json=_body(schema, op))
            allowed = role is not None and set(needs) <= granted
            where = f"{role} {method} {path}: {response.status_code}"
            if allowed:
                assert response.status_code not in (401, 403), where
                assert response.status_code < 500, where
                continue
            assert response.status_code == (401 if role is None else 403), where
            assert set(response.json()) == {"error"}, where
            denials = alerted.ws.audit.events(action="auth.denied")
            assert len(denials) == before + 1, where
            assert denials[-1].target_id == f"{method} {path}", where


def test_bad_keys_and_schemes_are_401_and_audited(site: Site) -> None:
    client = site.client()
    for header in ("Bearer nope", "Basic YTpi", "Bearer tk_0000000000000000_" + "A" * 43):
        before = len(site.ws.audit.events(action="auth.denied"))
        response = client.get("/api/v1/alerts", headers={"Authorization": header})
        assert response.status_code == 401 and response.json()["error"]["code"]
        assert len(site.ws.audit.events(action="auth.denied")) == before + 1


def test_session_cookie_without_csrf_header_cannot_change_state(alerted: Site) -> None:
    client = alerted.client()
    login = client.get("/login")
    token = login.cookies.get("tk_login_csrf") or client.cookies.get("tk_login_csrf")
    form = {"name": "analyst", "password": "correct horse battery staple", "csrf": token}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    assert client.get(f"/api/v1/alerts/{alerted.alert_id}").status_code == 200
    refused = client.post(f"/api/v1/alerts/{alerted.alert_id}/acknowledge")
    assert refused.status_code == 401
    assert (
        alerted.ws.audit.events(action="auth.denied")[-1]
        .details["reason"]
        .startswith("missing or wrong CSRF")
    )
