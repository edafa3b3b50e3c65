"""The benchmark workload: one thread of 1,000 comments, generated deterministically.

Each comment is about 400 characters of Markdown (emphasis, links, code, quotes, lists);
about a third are replies, nested down to depth 6 (top level is depth 0). The same seed
always yields the same comments, so every server in a run gets identical content.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

COMMENTS = 1000
SEED = 20240611
MAX_DEPTH = 6
TARGET_CHARS = 400


def _split(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_WORDS = _split(
    "council budget housing transport school parking river bridge election mayor "
    "report article reporter editor source figure statement policy resident street "
    "library hospital tram cycle lane tax rent market harbour festival weather flood "
    "investment contract planning zoning density noise pollution park museum archive "
    "question answer evidence context history promise vote majority minority district "
    "neighbour commute delay service station platform ticket fare subsidy grant audit"
)
_NAMES = _split(
    "Ada Basil Clara Dmitri Elena Farid Greta Hugo Ines Jonas Keiko Lars Mina Nadia "
    "Oskar Priya Quentin Rosa Samir Tove Ugo Vera Wen Xavier Yara Zeno"
)
_SURNAMES = _split("Lindqvist Okafor Moreau Tanaka Novak Silva Brandt Costa Haddad Kowalski")


@dataclass(frozen=True, slots=True)
class WorkComment:
    index: int
    parent: int | None  # index of the parent comment in the workload, None for top level
    depth: int
    author: str
    website: str | None
    body: str


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 14))]
    kind = rng.random()
    if kind < 0.15:
        i = rng.randrange(len(words))
        words[i] = f"**{words[i]}**"
    elif kind < 0.30:
        i = rng.randrange(len(words))
        words[i] = f"*{words[i]}*"
    elif kind < 0.40:
        i = rng.randrange(len(words))
        link = f"https://news.example.com/{rng.choice(_WORDS)}/{rng.randint(1, 9999)}"
        words[i] = f"[{words[i]}]({link})"
    elif kind < 0.47:
        i = rng.randrange(len(words))
        words[i] = f"`{words[i]}_{rng.randint(1, 99)}`"
    elif kind < 0.52:
        i = rng.randrange(len(words))
        words[i] = f"~~{words[i]}~~"
    elif kind < 0.56:
        words.append(f"https://example.org/{rng.choice(_WORDS)}")
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?!")


def _body(rng: random.Random) -> str:
    blocks: list[str] = []
    size = 0
    while size < TARGET_CHARS - 40:
        shape = rng.random()
        if shape < 0.12 and not blocks:
            block = "> " + _sentence(rng)
        elif shape < 0.22:
            block = "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(2, 3)))
        else:
            block = " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
        blocks.append(block)
        size += len(block) + 2
    body = "\n\n".join(blocks)
    if len(body) > TARGET_CHARS + 60:  # trim at a word boundary, keep Markdown balanced enough
        cut = body.rfind(" ", 0, TARGET_CHARS + 40)
        body = body[:cut].rstrip(" *`~[(.?!") + "."
    return body


def generate(count: int = COMMENTS, seed: int = SEED) -> list[WorkComment]:
    """`count` comments in posting order: a parent always comes before its replies."""
    rng = random.Random(seed)
    comments: list[WorkComment] = []
    last_reply: int | None = None
    for i in range(count):
        parent: int | None = None
        depth = 0
        if i >= 3 and rng.random() < 1 / 3:
            # Half the replies continue the latest conversation (so chains reach depth 6),
            # the rest answer any earlier comment that may still take a reply.
            if last_reply is not None and rng.random() < 0.5:
                candidate = comments[last_reply]
            else:
                candidate = comments[rng.randrange(i)]
            while candidate.depth >= MAX_DEPTH:
                candidate = comments[candidate.parent] if candidate.parent is not None else None
                assert candidate is not None
            parent = candidate.index
            depth = candidate.depth + 1
            last_reply = i
        first = rng.choice(_NAMES)
        author = f"{first} {rng.choice(_SURNAMES)}"
        website = f"https://{first.lower()}.example.net" if rng.random() < 0.2 else None
        comments.append(WorkComment(i, parent, depth, author, website, _body(rng)))
    return comments


def describe(comments: list[WorkComment]) -> str:
    depths = Counter(c.depth for c in comments)
    replies = sum(1 for c in comments if c.parent is not None)
    mean = sum(len(c.body) for c in comments) / len(comments)
    spread = ", ".join(f"{d}:{depths[d]}" for d in sorted(depths))
    return (
        f"{len(comments)} comments, {replies} replies, mean body {mean:.0f} chars, "
        f"depths {{{spread}}}"
    )


if __name__ == "__main__":
    work = generate()
    print(describe(work))
    print("---\n" + work[0].body + "\n---\n" + work[5].body)
