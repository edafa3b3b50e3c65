"""Banned words (the policy rejects) and suspect words (the policy holds), one scorer each."""

from __future__ import annotations

from collections.abc import Sequence

from threadline.moderation.signals import BANNED_WORDS, SUSPECT_WORDS, Signal
from threadline.moderation.wordlists import Match, WordList


def _describe(matches: Sequence[Match]) -> str:
    shown = []
    for m in matches:
        label = m.entry if m.found == m.entry else f"{m.entry} (as “{m.found}”)"
        if label not in shown:
            shown.append(label)
    return ", ".join(shown[:5]) + (" …" if len(shown) > 5 else "")


def banned_words(words: Sequence[str], banned: WordList) -> Signal:
    """Score 1 when a banned word appears in full; a masked one ("k*ke") scores 0.5.

    A mask could stand for another word, so only a word written out (possibly with
    leetspeak or look-alike letters) is certain enough to reject.
    """
    matches = banned.find_in_tokens(words)
    certain = [m for m in matches if not m.masked]
    if certain:
        return Signal(BANNED_WORDS, 1.0, f"Banned word: {_describe(certain)}.", len(certain))
    if matches:
        return Signal(
            BANNED_WORDS, 0.5, f"Possibly a masked banned word: {_describe(matches)}.", len(matches)
        )
    return Signal(BANNED_WORDS, 0.0, "No banned words.")


def suspect_words(words: Sequence[str], suspect: WordList) -> Signal:
    """Score 1 when a suspect word appears, in full or masked."""
    matches = suspect.find_in_tokens(words)
    if matches:
        return Signal(SUSPECT_WORDS, 1.0, f"Suspect word: {_describe(matches)}.", len(matches))
    return Signal(SUSPECT_WORDS, 0.0, "No suspect words.")
