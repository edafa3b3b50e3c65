"""The whole API under generated requests, drawn by schemathesis from our own OpenAPI document.

Whatever arrives — valid by the document or not — nothing answers 500, every answer's status
and content type are the documented ones, its body matches the documented schema, and a
request the document rules out is refused. Valid requests are steered into the seeded data
(the demo site, its thread, existing comment ids, a signed-in admin) half of the time, so
they reach the services and storage instead of stopping at "unknown site".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import hypothesis.strategies as st
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.testclient import TestClient

from threadline.auth.passwords import fast_passwords
from threadline.service import accounts
from threadline.service.context import ServiceContext

pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)

PASSWORD = "correct horse battery staple"
THREAD = "fuzzed-article"
# Signing out (or out everywhere) would leave the rest of the run without a session.
ENDS_SESSION = {("DELETE", "/api/v1/mod/session"), ("POST", "/api/v1/mod/session/revoke-all")}
EXAMPLES = {GenerationMode.POSITIVE: 40, GenerationMode.NEGATIVE: 25}
# How an invalid request may be refused: schemathesis's list, plus 413 (a body over the size
# limit is refused before it is read, whatever else is wrong with it).
REFUSED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
CONFIG = schemathesis.Config.from_dict(
    {"checks": {"negative_data_rejection": {"expected-statuses": REFUSED}}}
)


class Seeded:
    """What the steered requests point at: the demo site's thread, its comments, a session."""

    def __init__(self, client: TestClient) -> None:
        ctx: ServiceContext = client.app.state.threadline.ctx  # type: ignore[attr-defined]
        ctx.passwords = fast_passwords()
        accounts.create_admin(ctx, "fuzz-admin@example.com", "Fuzz Admin", PASSWORD)
        signed_in = client.post(
            "/api/v1/mod/session", json={"email": "fuzz-admin@example.com", "password": PASSWORD}
        )
        assert signed_in.status_code == 200, signed_in.text
        self.session = {
            "Cookie": f"threadline_session={client.cookies['threadline_session']}",
            "X-CSRF-Token": signed_in.json()["csrf_token"],
        }
        self.ids: list[int] = []
        parent = None
        for n in range(6):
            payload: dict[str, Any] = {
                "site": "demo",
                "thread": THREAD,
                "body": f"Seeded comment {n} with **Markdown** and https://example.org",
                "author": {"name": f"Seed {n}", "email": f"seed{n}@example.org"},
            }
            if parent is not None and n % 2:
                payload["parent_id"] = parent
            posted = client.post("/api/v1/comments", json=payload)
            assert posted.status_code == 201, posted.text
            parent = posted.json()["comment"]["id"]
            self.ids.append(parent)


def _steer(case: Case, seeded: Seeded, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
    """Point a valid request at the seeded data (each part half of the time)."""
    if isinstance(case.body, dict):
        if "site" in case.body and draw(st.booleans()):
            case.body["site"] = "demo"
        if "thread" in case.body and draw(st.booleans()):
            case.body["thread"] = THREAD
        if "parent_id" in case.body and draw(st.booleans()):
            case.body["parent_id"] = draw(st.sampled_from(seeded.ids))
    if case.query:
        if "site" in case.query and draw(st.booleans()):
            case.query["site"] = "demo"
        if "key" in case.query and draw(st.booleans()):
            case.query["key"] = THREAD
    if case.path_parameters and "id" in case.path_parameters and draw(st.booleans()):
        case.path_parameters["id"] = draw(st.sampled_from(seeded.ids))
    if case.path_parameters and "site" in case.path_parameters and draw(st.booleans()):
        case.path_parameters["site"] = "demo"


def _fuzz(operation: APIOperation, mode: GenerationMode, seeded: Seeded) -> str | None:
    """Run one operation's generated requests; the failure found, if any."""
    keeps_session = (operation.method.upper(), operation.path) not in ENDS_SESSION

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Case, data: st.DataObject) -> None:
        headers: dict[str, str] = {}
        # (A negative case may be one without the session cookie: it must stay so.)
        if mode is GenerationMode.POSITIVE:
            if keeps_session and data.draw(st.booleans()):
                headers = seeded.session
            _steer(case, seeded, data.draw)
        # Our checks are stricter than a JSON schema can say (control characters, the reader
        # id's alphabet, ids given as 2.0): some valid-looking requests are refused.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    try:
        run()
    except Unsatisfiable:  # nothing to get wrong in a request without inputs (/healthz)
        assert mode is GenerationMode.NEGATIVE, operation.path
    except Exception as exc:  # every operation is tried; all failures reported together
        return f"{operation.method.upper()} {operation.path}:\n{exc}"
    return None


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_get_documented_answers(
    client: TestClient, mode: GenerationMode
) -> None:
    seeded = Seeded(client)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", client.app, config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30  # the document was read whole
    failures = [found for op in operations if (found := _fuzz(op, mode, seeded)) is not None]
    assert not failures, "\n\n".join(failures)
