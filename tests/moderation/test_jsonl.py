from __future__ import annotations

import json
from typing import Any

from threadline.moderation.jsonl import score_lines
from threadline.moderation.moderator import Moderator
from threadline.moderation.policy import PolicyConfig, Premoderation

KEYS = {"toxicity", "spam", "links", "banned_words", "suspect_words", "new_author"}


def run(
    moderator: Moderator, *objs: object, config: PolicyConfig | None = None
) -> list[dict[str, Any]]:
    lines = [o if isinstance(o, str) else json.dumps(o) for o in objs]
    return list(score_lines(lines, moderator, config))


def test_one_result_per_line(moderator: Moderator) -> None:
    results = run(
        moderator,
        {"id": "a", "text": "You are a stupid idiot."},
        {"text": "Thanks for the article.", "parent_text": "What do you think?"},
    )
    assert len(results) == 2
    toxic, civil = results
    assert toxic.keys() >= KEYS
    assert toxic["id"] == "a" and "id" not in civil
    assert toxic["toxicity"] > 0.5 > civil["toxicity"]
    assert toxic["decision"] == "hold" and toxic["reasons"]
    assert toxic["nudge"] is True
    assert civil["decision"] == "publish" and civil["reasons"] == [] and civil["nudge"] is False
    assert isinstance(toxic["links"], int)
    json.dumps(results)  # serializable as is


def test_banned_word_is_rejected(moderator: Moderator) -> None:
    (result,) = run(moderator, {"text": "k1ll yourself"})
    assert result["decision"] == "reject"
    assert result["banned_words"] == 1.0


def test_behaviour_fields(moderator: Moderator) -> None:
    (result,) = run(
        moderator,
        {
            "text": "Nice article.",
            "honeypot": True,
            "recent_comments": 12,
            "duplicates": 2,
            "flags": 3,
            "author_approved_comments": 4,
        },
    )
    assert result["decision"] == "reject"
    assert result["honeypot"] == 1.0 and result["spam"] == 1.0 and result["flags"] == 1.0
    assert result["new_author"] == 0.0


def test_bad_lines_yield_errors_and_scoring_goes_on(moderator: Moderator) -> None:
    results = run(
        moderator,
        "not json",
        "[1, 2]",
        {"parent_text": "no text"},
        {"text": "ok", "flags": -1},
        "",
        {"text": "fine"},
    )
    assert [r.get("line") for r in results[:4]] == [1, 2, 3, 4]
    assert all("error" in r for r in results[:4])
    assert len(results) == 5 and results[4]["decision"] == "publish"


def test_order_is_kept_across_batches(moderator: Moderator) -> None:
    objs = [{"id": k, "text": f"comment number {k}"} for k in range(150)]
    assert [r["id"] for r in run(moderator, *objs)] == list(range(150))


def test_policy_config_is_used(moderator: Moderator) -> None:
    config = PolicyConfig(premoderation=Premoderation.ALL)
    (result,) = run(moderator, {"text": "Lovely."}, config=config)
    assert result["decision"] == "hold"
