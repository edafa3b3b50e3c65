"""Undo the tricks people use to slip words past a filter.

`fold` makes text comparable: NFKC (fullwidth and styled letters → plain), casefold, no
diacritics, no zero-width or other invisible characters, Cyrillic/Greek look-alikes → Latin.
`tokens` then splits folded text into words, re-joining letters spelled out with separators
("f.u.c.k", "f u c k", "f-u-c-k"). `variants` gives the spellings a single word may stand for:
leetspeak undone (0→o, 1→i or l, 3→e, 4→a, 5→s, 7→t, @→a, $→s, !→i, |→l) and stretched
letters shortened ("stuuupid" → "stupid"). `masked_pattern` turns "f*ck" or "sh#t" into a
pattern that word lists can be matched against.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

# Characters that render as nothing (or nearly) and are used to split a word invisibly.
_INVISIBLE = dict.fromkeys(
    [
        0x00AD,  # soft hyphen
        0x034F,  # combining grapheme joiner
        0x061C,  # Arabic letter mark
        0x115F,
        0x1160,
        0x17B4,
        0x17B5,
        0x180E,  # Mongolian vowel separator
        *range(0x200B, 0x2010),  # zero-width space/non-joiner/joiner, LRM, RLM
        *range(0x202A, 0x202F),  # bidirectional embeddings and overrides
        *range(0x2060, 0x2070),  # word joiner, invisible operators, bidi isolates
        0x3164,  # Hangul filler
        0xFE0E,
        0xFE0F,  # variation selectors
        0xFEFF,  # zero-width no-break space (BOM)
        0xFFA0,
    ]
)

# Letters from other scripts that look like Latin ones (after casefolding).
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i",
        "ј": "j", "ԁ": "d", "ԛ": "q", "ԝ": "w", "һ": "h", "ɡ": "g", "ӏ": "l", "ь": "b",
        # Greek
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "γ": "y", "ω": "w", "μ": "u", "σ": "o",
        "ς": "c",
        # Latin variants NFKC keeps
        "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ß": "ss", "æ": "ae",
        "œ": "oe", "ɑ": "a", "ɪ": "i", "ʏ": "y", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d",
        "ᴇ": "e", "ғ": "f", "ɢ": "g", "ʜ": "h", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m",
        "ɴ": "n", "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ꜱ": "s", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v",
        "ᴡ": "w", "ᴢ": "z",
    }
)  # fmt: skip

# Leetspeak: characters that stand for letters inside a word. 1 and | may be i or l.
_LEET: dict[str, tuple[str, ...]] = {
    "0": ("o",),
    "1": ("i", "l"),
    "!": ("i",),
    "|": ("l", "i"),
    "3": ("e",),
    "4": ("a",),
    "@": ("a",),
    "5": ("s",),
    "$": ("s",),
    "7": ("t",),
    "+": ("t",),
    "8": ("b",),
    "9": ("g",),
    "6": ("g",),
    "2": ("z",),
    "€": ("e",),
    "£": ("l",),
}
# Characters used to hide one or more letters: "f*ck", "sh#t", "f__k".
MASK_CHARS = "*#%?_"
_WORD = re.compile(r"[\w@$!|+*#%?€£]+|[^\w\s]", re.UNICODE)
_SPELLED = re.compile(r"(?:[^\W_][_*.\-])+[^\W_]")
_EDGE = "!?.,;:*#%_|+"
_REPEAT3 = re.compile(r"(.)\1{2,}")
_REPEAT2 = re.compile(r"(.)\1+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


def fold(text: str) -> str:
    """Comparable form: NFKC, casefold, no invisible characters or diacritics, Latin look-alikes."""
    if text.isascii():  # nothing to normalize but case (the common case, made fast)
        return text.lower()
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()
    text = unicodedata.normalize("NFD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", text).translate(_CONFUSABLES)


def tokens(folded: str) -> list[str]:
    """Words of folded text, plus letters spelled out with separators re-joined.

    "f.u.c.k you" → ["f", "u", "c", "k", "fuck", "you"]: the single letters stay (so "u r a"
    still reads as three words) and the joined spelling follows them.
    """
    words: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= 3:
            words.append("".join(run))
        run.clear()

    for piece in _WORD.findall(folded):
        if piece.isalnum():  # a plain word or letter: the common case, kept fast
            words.append(piece)
            if len(piece) == 1:
                run.append(piece)
            elif run:
                flush()
            continue
        core = piece.strip(_EDGE)
        # Punctuation: a separator between spelled-out letters, or a break.
        if not any(ch.isalnum() or ch in _LEET for ch in core):
            if len(piece) != 1:
                flush()
            continue
        if _SPELLED.fullmatch(core):
            flush()
            words.append(re.sub(r"[_*.\-]", "", core))
            continue
        words.append(core)
        if len(core) == 1 and (core.isalnum() or core in _LEET):
            run.append(core)
        else:
            flush()
    flush()
    return words


def squeeze(word: str) -> str:
    """Letters repeated three or more times shortened to two ("stuuupid" → "stuupid")."""
    return _REPEAT3.sub(r"\1\1", word)


def squeeze_all(word: str) -> str:
    """Every run of a repeated letter shortened to one ("fuuuck" → "fuck", "all" → "al")."""
    return _REPEAT2.sub(r"\1", word)


def variants(word: str, limit: int = 16) -> Iterator[str]:
    """Spellings `word` may stand for: itself, leetspeak undone, stretched letters squeezed.

    Digits alone are left alone ("2020" is a year, not "zozo"). At most `limit` spellings.
    """
    seen: set[str] = set()

    def emit(w: str) -> Iterator[str]:
        for form in (w, squeeze(w)):
            if form and form not in seen:
                seen.add(form)
                yield form

    yield from emit(word)
    if not _HAS_LETTER.search(word) and not any(c in "@$!|€£" for c in word):
        return
    primary = "".join(_LEET[ch][0] if ch in _LEET else ch for ch in word)
    yield from emit(primary.strip(_EDGE))
    forms = [""]
    for ch in word:
        options = (*_LEET[ch], ch) if ch in _LEET else (ch,)
        forms = [f + o for f in forms for o in options][: limit * 2]
    for form in forms:
        if len(seen) >= limit:
            break
        yield from emit(form.strip(_EDGE))


def masked_pattern(word: str) -> re.Pattern[str] | None:
    """A pattern for a word with letters hidden by mask characters, or None if nothing is hidden.

    "f*ck" matches "fuck"; "f**k" matches "fuck"; "sh#t" matches "shit". At least two letters
    must be visible and at least one hidden, so "***" or "a*" match nothing.
    """
    core = word.strip("!?.,;:")
    if not any(c in MASK_CHARS for c in core) or not core or core[0] in MASK_CHARS:
        return None
    visible = sum(1 for c in core if c not in MASK_CHARS)
    if visible < 2 or visible == len(core):
        return None
    parts = []
    for ch in core:
        parts.append("[a-z]" if ch in MASK_CHARS else re.escape(ch))
    return re.compile("".join(parts) + r"\Z")
