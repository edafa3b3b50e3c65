"""`threadline moderation …` — the moderation engine from the command line."""

from __future__ import annotations

import json
import sys
from typing import IO

import click


@click.group(epilog="\b\nExample:\n  threadline moderation score comments.jsonl > scores.jsonl")
def moderation() -> None:
    """Score comments with the built-in moderation models."""


@moderation.command(
    "score",
    epilog="\b\nExample:\n"
    "  threadline moderation score comments.jsonl --toxicity-hold 0.3 > scores.jsonl\n"
    """  echo '{"text": "You are an idiot", "parent_text": "I disagree"}' """
    "| threadline moderation score",
)
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
@click.option(
    "--toxicity-hold", type=click.FloatRange(0, 1), help="Hold at this toxicity or above."
)
@click.option(
    "--toxicity-nudge", type=click.FloatRange(0, 1), help="Nudge at this toxicity or above."
)
@click.option("--spam-hold", type=click.FloatRange(0, 1), help="Hold at this spam score.")
@click.option(
    "--banned",
    type=click.File("r", encoding="utf-8"),
    help="A banned-words file (one a line, # comments) instead of the default list.",
)
@click.option(
    "--suspect",
    type=click.File("r", encoding="utf-8"),
    help="A suspect-words file instead of the default list.",
)
def score(
    source: IO[str],
    toxicity_hold: float | None,
    toxicity_nudge: float | None,
    spam_hold: float | None,
    banned: IO[str] | None,
    suspect: IO[str] | None,
) -> None:
    """Score comments given as JSON lines in SOURCE (default: stdin).

    One JSON line is written for each input line. Each input line is
    {"text": ..., "parent_text": ... (optional)}; optional fields "id",
    "author_approved_comments", "recent_comments", "duplicates", "honeypot" and "flags"
    are used too. Each output line has every scorer's score (toxicity, spam,
    banned_words, suspect_words, new_author in 0..1; links as a count), the decision the
    policy would take, its reasons, and whether a first submission would be nudged.
    """
    # Imported here so that other commands do not load numpy.
    from threadline.moderation import Moderator, PolicyConfig, score_lines
    from threadline.moderation.wordlists import parse_entries

    defaults = PolicyConfig()
    config = PolicyConfig(
        toxicity_hold=defaults.toxicity_hold if toxicity_hold is None else toxicity_hold,
        toxicity_nudge=defaults.toxicity_nudge if toxicity_nudge is None else toxicity_nudge,
        spam_hold=defaults.spam_hold if spam_hold is None else spam_hold,
    )
    engine = Moderator.load().with_word_lists(
        banned=parse_entries(banned.read()) if banned else None,
        suspect=parse_entries(suspect.read()) if suspect else None,
    )
    out = sys.stdout
    for result in score_lines(source, engine, config):
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        if source.isatty():  # typed by hand: answer each line at once
            out.flush()
