"""Shared by the dashboard's page tests: a browser of its own signed in through the login
form, and the hidden form fields read from a page."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

PASSWORD = "correct horse battery staple"


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no {name} in the page"
    return found.group(1)


def signed_in(client: TestClient, email: str) -> tuple[TestClient, str]:
    """A browser of its own, signed in through the form, and its CSRF token."""
    browser = TestClient(client.app, base_url="http://testserver")
    token = field(browser.get("/admin/login").text, "login_token")
    done = browser.post(
        "/admin/login",
        data={"login_token": token, "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    return browser, field(browser.get("/admin/sites").text, "csrf_token")
