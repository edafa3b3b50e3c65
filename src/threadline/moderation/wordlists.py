"""Word lists matched the way people evade them: folded Unicode, leetspeak, masks, phrases.

A `WordList` holds entries (single words or phrases). `find` folds the text (see
`normalize`), splits it into words and reports each entry it contains: exactly, through a
leetspeak or stretched spelling ("sh1t", "$hit", "shiiit"), spelled out with separators
("s.h.i.t"), or with letters hidden by a mask ("sh*t", marked `masked=True` because a mask
could stand for another word). Matching is by whole words: "Scunthorpe" or "assassin" never
match "cunt" or "ass". An entry ending in "*" matches words starting with it ("shit*" matches
"shitstorm"); the packaged policy lists use none, only the toxicity scorer's feature lists.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

from threadline.moderation.normalize import fold, masked_pattern, squeeze_all, tokens, variants

_MAX_PHRASE = 4
# Words already looked up, per list (most words of a comment are common ones).
_CACHE_SIZE = 50_000
_PLAIN = re.compile(r"[a-z]+\Z")
_DOUBLE = re.compile(r"(.)\1")
# Squeezed forms shorter than this are too ambiguous ("ass" → "as").
_MIN_SQUEEZED = 4
# Lists extended with a site's own entries, kept per base list (one or two per site).
_EXTENDED_CACHE_SIZE = 256
MAX_ENTRY_LENGTH = 100


@dataclass(frozen=True, slots=True)
class Match:
    entry: str  # the list entry
    found: str  # the word or phrase as it appeared (folded)
    masked: bool = False


def entry_problem(entry: str) -> str | None:
    """Why a list entry cannot be matched (None when it can): it must fold to at least one
    word, and an entry ending in "*" needs a stem of three letters or more."""
    text = entry.strip()
    if not text:
        return "An entry cannot be empty."
    if len(text) > MAX_ENTRY_LENGTH:
        return f"An entry has at most {MAX_ENTRY_LENGTH} characters."
    if "#" in text:
        return "An entry cannot contain “#” (it starts a comment in list files)."
    if text.endswith("*"):
        if " " in text:
            return "Only a single word can end in “*”."
        if len("".join(tokens(fold(text[:-1])))) < 3:
            return "A word ending in “*” needs at least three letters before it."
        return None
    if not tokens(fold(text)):
        return "An entry needs at least one letter or digit."
    return None


def parse_entries(text: str) -> list[str]:
    """Entries from list text: one a line, `#` starts a comment, blank lines ignored."""
    entries = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            entries.append(line)
    return entries


class WordList:
    def __init__(self, entries: Iterable[str]) -> None:
        self._entries = tuple(entries)
        self._extended: dict[tuple[str, ...], WordList] = {}
        self._words: dict[str, str] = {}
        self._squeezed: dict[str, str] = {}
        self._phrases: dict[tuple[str, ...], str] = {}
        self._by_length: dict[int, list[str]] = {}
        self._prefixes: dict[str, str] = {}
        for entry in self._entries:
            if entry.endswith("*") and " " not in entry.strip():
                stem = "".join(tokens(fold(entry[:-1])))
                if len(stem) >= 3:
                    self._prefixes.setdefault(stem, entry)
                continue
            parts = tuple(tokens(fold(entry)))
            if not parts:
                continue
            if len(parts) == 1:
                word = parts[0]
                self._words.setdefault(word, entry)
                if len(squeeze_all(word)) >= _MIN_SQUEEZED:
                    self._squeezed.setdefault(squeeze_all(word), entry)
                self._by_length.setdefault(len(word), []).append(word)
            else:
                self._phrases.setdefault(parts[:_MAX_PHRASE], entry)
        self._phrase_words = {w for phrase in self._phrases for w in phrase}
        self._phrase_lengths: dict[str, set[int]] = {}
        for phrase in self._phrases:
            self._phrase_lengths.setdefault(phrase[0], set()).add(len(phrase))
        self._prefix_lengths = sorted({len(p) for p in self._prefixes})
        self._cache: dict[str, Match | None] = {}
        self._phrase_cache: dict[str, str] = {}

    @classmethod
    def from_text(cls, text: str) -> WordList:
        return cls(parse_entries(text))

    @classmethod
    def packaged(cls, name: str) -> WordList:
        """One of the lists shipped in `threadline/moderation/lists/` ("banned", "suspect"…)."""
        folder = resources.files("threadline.moderation").joinpath("lists")
        return cls.from_text(folder.joinpath(f"{name}.txt").read_text(encoding="utf-8"))

    def extended(self, entries: Sequence[str]) -> WordList:
        """This list plus `entries` (a site's own, say): built once per distinct set of
        entries and kept, so a site's comments reuse one list and its warm caches; a changed
        set is simply another key, so a change applies from the next comment on."""
        if not entries:
            return self
        key = tuple(entries)
        found = self._extended.get(key)
        if found is None:
            if len(self._extended) >= _EXTENDED_CACHE_SIZE:
                self._extended.clear()
            found = self._extended[key] = WordList((*self._entries, *key))
        return found

    def __len__(self) -> int:
        return len(self._words) + len(self._phrases) + len(self._prefixes)

    def _word(self, word: str) -> Match | None:
        try:
            return self._cache[word]
        except KeyError:
            pass
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        found = self._cache[word] = self._lookup(word)
        return found

    def _forms(self, word: str) -> Iterable[str]:
        """Plain lowercase words without doubled letters have one form: themselves."""
        if _PLAIN.match(word) and not _DOUBLE.search(word):
            return (word,)
        return variants(word)

    def _lookup(self, word: str) -> Match | None:
        for form in self._forms(word):
            entry = self._words.get(form)
            if entry is None and len(form) >= _MIN_SQUEEZED:
                entry = self._squeezed.get(squeeze_all(form))
            for length in self._prefix_lengths:
                if entry is None and len(form) >= length:
                    entry = self._prefixes.get(form[:length])
            if entry is not None:
                return Match(entry, word)
        pattern = masked_pattern(word)
        if pattern is None:
            return None
        core = word.strip("!?.,;:")
        for candidate in self._by_length.get(len(core), ()):
            if pattern.match(candidate):
                return Match(self._words[candidate], word, masked=True)
        for stem, entry in self._prefixes.items():
            head = masked_pattern(core[: len(stem)]) if len(core) >= len(stem) else None
            if head is not None and head.match(stem):
                return Match(entry, word, masked=True)
        return None

    def _phrase_form(self, word: str) -> str:
        form = self._phrase_cache.get(word)
        if form is None:
            if len(self._phrase_cache) >= _CACHE_SIZE:
                self._phrase_cache.clear()
            form = next((f for f in self._forms(word) if f in self._phrase_words), word)
            self._phrase_cache[word] = form
        return form

    def find_in_tokens(self, words: Sequence[str]) -> list[Match]:
        cache = self._cache  # the common case, inlined: a word already looked up
        found = []
        for w in words:
            m = cache[w] if w in cache else self._word(w)
            if m is not None:
                found.append(m)
        if self._phrases:
            phrase_cache = self._phrase_cache
            forms = [phrase_cache.get(w) or self._phrase_form(w) for w in words]
            for i, form in enumerate(forms):
                for n in self._phrase_lengths.get(form, ()):
                    entry = self._phrases.get(tuple(forms[i : i + n]))
                    if entry is not None:
                        found.append(Match(entry, " ".join(words[i : i + n])))
        return found

    def find(self, text: str) -> list[Match]:
        return self.find_in_tokens(tokens(fold(text)))


@functools.cache
def packaged_size(name: str) -> int:
    """How many entries a packaged list has (pages say what a site's own lists add to)."""
    return len(WordList.packaged(name))
