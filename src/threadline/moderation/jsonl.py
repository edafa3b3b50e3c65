"""Score JSON lines: the engine behind `threadline moderation score`.

Each input line is a JSON object with "text" and optionally "parent_text", "id" (echoed),
"author_approved_comments", "recent_comments", "duplicates", "honeypot" and "flags". Each
output is a dict with every scorer's score (`toxicity`, `spam`, `banned_words`,
`suspect_words`, `new_author` in 0..1; `links` as a count), the decision the policy would
take, its reasons, and whether a first submission would get a civility nudge. A line that
is not such an object yields {"line": n, "error": "..."} and scoring goes on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from threadline.moderation.moderator import CommentFacts, Moderator
from threadline.moderation.policy import PolicyConfig, decide, should_nudge
from threadline.moderation.signals import LINKS
from threadline.moderation.spam import Behaviour

BATCH = 64


def _facts(obj: Any) -> CommentFacts:
    if not isinstance(obj, dict):
        raise ValueError("each line must be a JSON object")
    text = obj.get("text")
    parent = obj.get("parent_text")
    if not isinstance(text, str):
        raise ValueError('"text" must be a string')
    if parent is not None and not isinstance(parent, str):
        raise ValueError('"parent_text" must be a string or null')
    approved = obj.get("author_approved_comments")
    numbers = {k: obj.get(k, 0) for k in ("recent_comments", "duplicates", "flags")}
    for key, value in [*numbers.items(), ("author_approved_comments", approved or 0)]:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f'"{key}" must be a non-negative integer')
    honeypot = obj.get("honeypot", False)
    if not isinstance(honeypot, bool):
        raise ValueError('"honeypot" must be true or false')
    return CommentFacts(
        text=text,
        parent_text=parent,
        author_approved_comments=approved,
        behaviour=Behaviour(numbers["recent_comments"], numbers["duplicates"], honeypot),
        flags=numbers["flags"],
    )


def score_lines(
    lines: Iterable[str],
    moderator: Moderator | None = None,
    config: PolicyConfig | None = None,
) -> Iterator[dict[str, Any]]:
    """One result dict per non-blank input line, in order (scored in batches of 64)."""
    engine = moderator or Moderator.load()
    policy = config or PolicyConfig()
    numbered = ((n, line) for n, line in enumerate(lines, start=1) if line.strip())
    while batch := list(islice(numbered, BATCH)):
        parsed: list[tuple[int, Any, CommentFacts | str]] = []
        for n, line in batch:
            try:
                obj = json.loads(line)
                parsed.append((n, obj, _facts(obj)))
            except (ValueError, RecursionError) as exc:
                parsed.append((n, None, str(exc)))
        good = [(n, o, f) for n, o, f in parsed if isinstance(f, CommentFacts)]
        scored = iter(engine.signals_many([f for _, _, f in good], policy))
        for n, obj, facts in parsed:
            if not isinstance(facts, CommentFacts):
                yield {"line": n, "error": facts}
                continue
            signals = next(scored)
            result: dict[str, Any] = {}
            if "id" in obj:
                result["id"] = obj["id"]
            for signal in signals:
                result[signal.scorer] = (
                    signal.count if signal.scorer == LINKS else round(signal.score, 4)
                )
            verdict = decide(signals, policy)
            result["decision"] = verdict.decision.value
            result["reasons"] = list(verdict.reasons)
            result["nudge"] = should_nudge(signals, policy, first_submission=True)
            yield result
