"""A reply's mail survives kill -9 of the server and a mail server that was down: a real
`threadline serve` process, with its SMTP server unreachable, publishes a reply to a parent
who asked; its attempt fails; the process is SIGKILLed; it restarts with the (real, aiosmtpd)
SMTP server up, and the mail arrives — exactly once."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
from aiosmtpd.controller import Controller

from tests.live_server import LiveServer, cli_environ, run_cli
from tests.smtp_server import Inbox, free_port
from threadline.app import open_store
from threadline.config import Settings

TIMEOUT = 20.0


def _until(condition: Callable[[], bool], what: str, server: LiveServer) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"never {what}:\n{server.log_tail()}"
        time.sleep(0.05)


def test_a_reply_mail_survives_kill_9_and_an_smtp_outage(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'threadline.db'}"
    inbox = Inbox()
    inbox.port = free_port()  # nothing listens there yet
    env = cli_environ(
        THREADLINE_DATA_DIR=str(tmp_path / "data"),
        THREADLINE_RATE_LIMITS="off",
        THREADLINE_MODERATION_PROCESSES="0",
        THREADLINE_SMTP_HOST="127.0.0.1",
        THREADLINE_SMTP_PORT=str(inbox.port),
        THREADLINE_SMTP_STARTTLS="off",
        THREADLINE_MAIL_FROM="comments@news.example",
        THREADLINE_PUBLIC_URL="https://comments.news.example",
        THREADLINE_MAIL_RETRY_S="1",
        THREADLINE_MAIL_SWEEP_S="1",
    )
    added = run_cli(["site", "add", "demo", "--name", "Demo News"], env, database_url)
    assert added.returncode == 0, added.stderr
    server = LiveServer(database_url, env, tmp_path / "server.log")
    smtp = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    try:
        server.start()
        with httpx2.Client(base_url=server.base_url, timeout=10, trust_env=False) as http:
            thread = {"site": "demo", "thread": "article-1"}
            parent = http.post(
                "/api/v1/comments",
                json=thread
                | {
                    "body": "Tell me when someone answers",
                    "author": {"name": "Paula", "email": "paula@example.org"},
                    "notify_replies": True,
                },
            )
            assert parent.status_code == 201, parent.text
            reply = http.post(
                "/api/v1/comments",
                json=thread
                | {
                    "body": "An answer that must reach Paula",
                    "author": {"name": "Rita"},
                    "parent_id": parent.json()["comment"]["id"],
                },
            )
            assert reply.status_code == 201, reply.text
        reply_id = reply.json()["comment"]["id"]
        # The server tried, the SMTP server was unreachable, the mail waits for a retry.
        _until(
            lambda: f"could not be mailed (comment {reply_id}, attempt 1" in server.log_text(),
            "a failed attempt",
            server,
        )
        server.kill()  # kill -9, the mail still unsent

        smtp.start()
        server.start()
        _until(lambda: len(inbox.messages) >= 1, "a mail", server)
        store = open_store(Settings(database_url=database_url), migrate=False)
        try:
            with store.reading() as db:
                waiting = db.reply_mails_waiting
                _until(lambda: waiting() == 0, "an empty outbox", server)
                notice = db.reply_notice(reply_id)
        finally:
            store.close()
        assert notice is not None and notice.reply_notified
        server.stop()  # nothing is left to send: what arrived is all that ever will
    finally:
        if server.process is not None:
            server.kill()
        with contextlib.suppress(AssertionError):
            smtp.stop()
    [message] = inbox.messages
    assert message["To"] == "paula@example.org"
    assert "An answer that must reach Paula" in str(message.get_body())
