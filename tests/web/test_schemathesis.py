"""Property-based requests from the OpenAPI schema: no operation answers with a server error."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from web.harness import Site

MAX_EXAMPLES = 20


def test_no_server_errors_for_an_admin(alerted: Site) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", alerted.app)
    headers = {"Authorization": f"Bearer {alerted.keys['admin']}"}
    failures: list[str] = []
    calls: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            calls.append(response.status_code)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            given(operation.as_strategy())(check)()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {type(exc).__name__}: {str(exc)[:300]}")
    assert failures == []
    assert len(calls) >= 2 * len(list(schema.get_all_operations()))
