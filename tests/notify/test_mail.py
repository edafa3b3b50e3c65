"""The SMTP mail sender against a real SMTP server (aiosmtpd on 127.0.0.1): delivery,
refusing to send in the clear when STARTTLS is required, retries and logs when the server is
down."""

from __future__ import annotations

import logging

import pytest

from tests.smtp_server import Inbox, free_port, smtp_inbox
from threadline.config import Settings
from threadline.notify.mail import Mailer, MailError, MailSettings

__all__ = ["smtp_inbox"]  # the fixture


def _settings(port: int, starttls: bool = False) -> MailSettings:
    return MailSettings("127.0.0.1", port, "", "", starttls, "comments@news.example")


def test_a_message_reaches_the_server(smtp_inbox: Inbox) -> None:
    Mailer(_settings(smtp_inbox.port)).send("reader@example.org", "Your data", "Hello ✓\n")
    [message] = smtp_inbox.wait(1)
    assert message["From"] == "comments@news.example"
    assert message["To"] == "reader@example.org"
    assert message["Subject"] == "Your data"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Message-ID"].endswith("@news.example>")
    body = message.get_body(("plain",))
    assert body is not None and body.get_content().rstrip() == "Hello ✓"


def test_starttls_required_but_not_offered_sends_nothing(smtp_inbox: Inbox) -> None:
    mailer = Mailer(_settings(smtp_inbox.port, starttls=True), retry_delays_s=())
    with pytest.raises(MailError, match="refused"):
        mailer.send("reader@example.org", "Your data", "secret link")
    assert smtp_inbox.messages == []


def test_a_server_that_is_down_is_retried_then_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    waits: list[float] = []
    mailer = Mailer(_settings(free_port()), retry_delays_s=(0.25, 0.5), sleep=waits.append)
    with caplog.at_level(logging.WARNING, "threadline.notify.mail"), pytest.raises(MailError):
        mailer.send("reader@example.org", "Your data", "link")
    assert waits == [0.25, 0.5]
    attempts = [r.getMessage() for r in caplog.records]
    assert len(attempts) == 3 and "attempt 3 of 3" in attempts[-1]


def test_without_a_configured_server_nothing_is_attempted() -> None:
    settings = MailSettings.from_settings(Settings())
    assert not settings.configured
    with pytest.raises(MailError, match="no mail server"):
        Mailer(settings).send("reader@example.org", "Your data", "link")
    configured = MailSettings.from_settings(
        Settings(smtp_host="mail.example", mail_from="c@news.example")
    )
    assert configured.configured and configured.port == 587 and configured.starttls
