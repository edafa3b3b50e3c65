"""Outgoing mail over SMTP (the standard library's smtplib): one message per connection,
retried a few times, every failure logged — the callers answer their HTTP request before the
mail goes out, so the log is where a failure shows."""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from threadline.config import Settings

log = logging.getLogger(__name__)

# Waits between attempts: a mail server restarting or briefly refusing is ridden out; one
# that stays down is reported, not retried forever by a request's background task.
RETRY_DELAYS_S = (1.0, 5.0)
TIMEOUT_S = 15.0


class MailError(Exception):
    """The message could not be handed to the mail server (after every attempt)."""


@dataclass(frozen=True, slots=True)
class MailSettings:
    host: str
    port: int
    user: str
    password: str
    starttls: bool
    sender: str

    @classmethod
    def from_settings(cls, s: Settings) -> MailSettings:
        return cls(
            s.smtp_host, s.smtp_port, s.smtp_user, s.smtp_password, s.smtp_starttls, s.mail_from
        )

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)


def text_message(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # no vacation replies, please
    message.set_content(body)
    return message


class Mailer:
    """Sends messages through the configured SMTP server."""

    def __init__(
        self,
        settings: MailSettings,
        retry_delays_s: Sequence[float] = RETRY_DELAYS_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._delays = tuple(retry_delays_s)
        self._sleep = sleep

    @property
    def configured(self) -> bool:
        return self.settings.configured

    def send(self, to: str, subject: str, body: str) -> None:
        """Deliver to the SMTP server or raise MailError (logged at each failed attempt)."""
        if not self.configured:
            raise MailError("no mail server is configured (smtp_host and mail_from)")
        message = text_message(self.settings.sender, to, subject, body)
        attempts = len(self._delays) + 1
        for attempt in range(1, attempts + 1):
            try:
                self._deliver(message)
                return
            except (OSError, smtplib.SMTPException) as exc:
                s = self.settings
                log.warning(
                    "mail to the SMTP server %s:%s failed (attempt %d of %d): %s",
                    s.host,
                    s.port,
                    attempt,
                    attempts,
                    exc,
                )
                if attempt == attempts:
                    raise MailError(f"the SMTP server {s.host}:{s.port} refused: {exc}") from exc
                self._sleep(self._delays[attempt - 1])

    def _deliver(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_S) as smtp:
            smtp.ehlo()
            if s.starttls:
                # Never send a password, or a reader's link, in the clear by accident.
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.user:
                smtp.login(s.user, s.password)
            smtp.send_message(message)
