"""Hostile input, part 1: schemathesis against the OpenAPI schema (property-based, in-process ASGI).

No request may produce a 5xx, and every response must match the schema (status code documented,
body valid, content type right). Runs as Alice, so the authenticated surface is explored too.
(The schemathesis pytest plugin's lazy fixtures do not work with pytest 9, so each operation's
hypothesis strategy is driven directly.)"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from rkit import report

from service.app import create_app
from service.health import database
from tests.service.service_kit import make_world

EXAMPLES_PER_OPERATION = 25


def test_api_conforms_to_its_schema_under_fuzzing(tmp_path):
    world = make_world(tmp_path, portal_env="production")
    # Readiness without the knowledge index (this world has none) is a deliberate 503; check the database only.
    app = create_app(world.container, readiness_checks={"database": database})
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = world.auth("alice")
    calls, statuses, failures, operations = 0, {}, {}, 0
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def check(case) -> None:
                nonlocal calls
                calls += 1
                response = case.call_and_validate(headers={**(case.headers or {}), **headers})
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - collect every failure, fail once
                failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:1500]}"
    finally:
        world.container.engine.dispose()
    report("schemathesis", operations=operations, requests=calls, statuses=statuses, failing_operations=len(failures))
    assert operations >= 15 and calls >= operations * 5
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
