"""An external scorer over HTTP: a newsroom's own hosted model, asked about every comment.

This is the one module of moderation/ that does I/O (everything else here is pure). It only
speaks the contract below and turns the answer into a `Signal`; the time budget, what a
failure means for the comment and the logging are the caller's (service/scoring.py).

    POST <external_scorer_url>            Content-Type: application/json
    {"text": "…", "parent_text": "…" or null, "site": "<site slug>"}

    200 OK                                Content-Type: application/json
    {"score": 0.87, "hold": true, "reason": "Insults a named person."}

`score` (0..1, higher = more reason to hold) is required; `hold` (default: score >= 0.5)
asks for the comment to wait for a moderator; `reason` (optional, at most 300 characters
kept) is shown to the moderators. Any other status, a body that is not such an object, or no
answer within the timeout is a `RemoteScorerError`. The scorer never rejects a comment on its
own: like the local toxicity model, it can only send one to a person.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx2

from threadline.moderation.policy import Decision, Verdict
from threadline.moderation.signals import Signal

EXTERNAL = "external"  # the signal's scorer name
EXTERNAL_UNAVAILABLE = "external_unavailable"  # recorded when no usable answer came
DEFAULT_HOLD_AT = 0.5
MAX_REASON = 300
MAX_ANSWER_BYTES = 16_384


class RemoteScorerError(Exception):
    """No usable answer: the message says why, for the log and the moderators."""


@dataclass(frozen=True, slots=True)
class RemoteAnswer:
    score: float
    hold: bool
    reason: str


def parse_answer(body: bytes) -> RemoteAnswer:
    """The scorer's 200 answer, checked against the contract."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise RemoteScorerError("answered with something that is not JSON") from None
    if not isinstance(data, dict):
        raise RemoteScorerError("answered with JSON that is not an object")
    score = data.get("score")
    if (
        isinstance(score, bool)
        or not isinstance(score, int | float)
        or not math.isfinite(score)
        or not 0 <= score <= 1
    ):
        raise RemoteScorerError("answered without a 'score' between 0 and 1")
    hold = data.get("hold", score >= DEFAULT_HOLD_AT)
    if not isinstance(hold, bool):
        raise RemoteScorerError("answered with a 'hold' that is not true or false")
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        raise RemoteScorerError("answered with a 'reason' that is not text")
    return RemoteAnswer(float(score), hold, " ".join(reason.split())[:MAX_REASON])


class RemoteScorer:
    """A client of one external scorer; thread-safe, connections kept alive between calls."""

    def __init__(self, url: str, timeout_s: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"the external scorer's URL must be http(s)://…, not {url!r}")
        if timeout_s <= 0:
            raise ValueError("the external scorer needs a timeout above 0")
        self.url = url
        self.timeout_s = timeout_s
        # The newsroom's own service, addressed directly: no proxy from the environment, no
        # redirects; every connect/read/write waits at most the whole budget.
        self._client = httpx2.Client(
            timeout=httpx2.Timeout(timeout_s), trust_env=False, follow_redirects=False
        )

    def score(self, text: str, parent_text: str | None, site: str) -> RemoteAnswer:
        payload = {"text": text, "parent_text": parent_text, "site": site}
        try:
            with self._client.stream("POST", self.url, json=payload) as response:
                if response.status_code != 200:
                    raise RemoteScorerError(f"answered HTTP {response.status_code}")
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER_BYTES:
                        raise RemoteScorerError("answered with more than 16 KB")
        except httpx2.TimeoutException:
            waited = f"{self.timeout_s * 1000:.0f} ms"
            raise RemoteScorerError(f"did not answer within {waited}") from None
        except httpx2.HTTPError as exc:
            raise RemoteScorerError(f"could not be reached ({type(exc).__name__})") from None
        return parse_answer(body)

    def close(self) -> None:
        self._client.close()


def answer_signal(answer: RemoteAnswer) -> Signal:
    said = f": {answer.reason}" if answer.reason else "."
    return Signal(EXTERNAL, answer.score, f"The newsroom's scorer gave {answer.score:.2f}{said}")


def unavailable_signal(problem: str) -> Signal:
    return Signal(EXTERNAL_UNAVAILABLE, 0.0, f"The newsroom's scorer {problem}.")


def join(verdict: Verdict, answer: RemoteAnswer) -> Verdict:
    """The local verdict with the external scorer's say added: its `hold` sends a comment
    the local scorers would publish to a moderator; a rejection stays a rejection."""
    if not answer.hold or verdict.decision is Decision.REJECT:
        return verdict
    return Verdict(Decision.HOLD, (*verdict.reasons, answer_signal(answer).reason))
