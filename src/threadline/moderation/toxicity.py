"""Toxicity: two packaged BiLSTMs plus word and surface features, combined by a small model.

The networks (`bilstm.ToxicityNet`: `toxic-comment-classifier`'s and `tox-block`'s, both
trained on the Jigsaw Wikipedia comments) read a repaired copy of the text: Unicode folded
and words the first does not know but could ("sh1t", "stuuupid", "'idiot'") replaced by the
spelling it knows, and a text longer than 100 words in windows of 100 (the largest output
counts, `ToxicityNet.read`). The first network's six outputs (as logits) and 50 hidden units
(the layer its outputs are read from), counts of swear words and of insults, second person
pronouns, exclamation and question marks, the share of capitals and the length go into a
logistic combiner (`models/toxicity_combiner.json`), together with the logit of a linear
model over word and character n-grams (`ngrams.NgramModel`, `models/toxicity_ngrams.json`),
which reads the words the networks do not know, and tox-block's six logits (its hidden
units are not used). Both were fitted by `tools/train_toxicity_model.py`. The result routes
comments to human review; the policy never rejects on it alone.

With the parent comment as context, text quoted from the parent (lines starting with ">",
or five or more words copied from it) is not held against the reply, and the reason names
the parent's own score.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib import resources

import numpy as np
import numpy.typing as npt

from threadline.moderation.bilstm import ToxicityNet
from threadline.moderation.logistic import LogisticModel
from threadline.moderation.ngrams import NgramModel
from threadline.moderation.normalize import fold, squeeze_all, tokens, variants
from threadline.moderation.signals import TOXICITY, Signal
from threadline.moderation.wordlists import WordList

BASE_FEATURES = (
    "toxic",
    "severe_toxic",
    "obscene",
    "threat",
    "insult",
    "identity_hate",
    "swearing",
    "insults",
    "second_person",
    "exclamations",
    "questions",
    "capitals",
    "length",
)
HIDDEN_UNITS = 50
# tox-block's six logits, after the first network's hidden units.
TOXBLOCK_FEATURES = tuple(f"toxblock_{label}" for label in BASE_FEATURES[:6])
FEATURES = (
    *BASE_FEATURES,
    "ngrams",
    *(f"hidden_{k:02d}" for k in range(HIDDEN_UNITS)),
    *TOXBLOCK_FEATURES,
)
_SECOND_PERSON = frozenset(
    {"you", "your", "yours", "yourself", "yourselves", "you're", "youre", "u", "ur", "ya"}
)
_QUOTE_RUN = 5  # words copied from the parent in a row that count as a quotation
_STRIP = "\"'“”‘’`.,;:!?()[]{}<>*_~-"
_CONTEXT_CACHE = 4096  # parents' scores kept (≈ 100 bytes each)


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def strip_quotes(text: str, parent: str | None) -> str:
    """The reply without what it quotes: "> …" lines, and runs of words copied from the parent."""
    lines = text.splitlines()
    kept = [line for line in lines if not line.lstrip().startswith(">")]
    if len(kept) != len(lines):
        text = "\n".join(kept)
    if not parent:
        return text
    parent_words = [w.strip(_STRIP) for w in fold(parent).split()]
    runs = {
        tuple(parent_words[i : i + _QUOTE_RUN]) for i in range(len(parent_words) - _QUOTE_RUN + 1)
    }
    if not runs:
        return text
    raw = text.split()
    folded = [fold(w).strip(_STRIP) for w in raw]
    quoted = [False] * len(raw)
    for i in range(len(raw) - _QUOTE_RUN + 1):
        if tuple(folded[i : i + _QUOTE_RUN]) in runs:
            for j in range(i, i + _QUOTE_RUN):
                quoted[j] = True
    if not any(quoted):
        return text
    return " ".join(w for w, q in zip(raw, quoted, strict=True) if not q)


class ToxicityScorer:
    def __init__(
        self,
        net: ToxicityNet,
        combiner: LogisticModel,
        swearing: WordList,
        insults: WordList,
        ngrams: NgramModel | None = None,
        toxblock: ToxicityNet | None = None,
    ) -> None:
        if combiner.features != FEATURES:
            raise ValueError(f"combiner features {combiner.features} != {FEATURES}")
        self.net = net
        self.toxblock = toxblock if toxblock is not None else ToxicityNet.from_package("toxblock")
        self.combiner = combiner
        self.ngrams = ngrams if ngrams is not None else NgramModel.from_package()
        self._swearing = swearing
        self._insults = insults
        self._repaired: dict[str, str] = {}
        # Parents' scores by a digest of their text: a comment that draws many replies is
        # scored once, not with every reply (its score only feeds the reason).
        self._context_scores: dict[bytes, float] = {}

    @classmethod
    def from_package(
        cls,
        net: ToxicityNet | None = None,
        combiner: LogisticModel | None = None,
        ngrams: NgramModel | None = None,
        toxblock: ToxicityNet | None = None,
    ) -> ToxicityScorer:
        """The packaged networks, n-gram model, combiner and word lists (or those given)."""
        folder = resources.files("threadline.moderation")
        if combiner is None:
            combiner = LogisticModel.from_json(
                folder.joinpath("models", "toxicity_combiner.json").read_text(encoding="utf-8")
            )
        lists = folder.joinpath("lists")
        swearing = WordList.from_text(
            "\n".join(
                lists.joinpath(f"{name}.txt").read_text(encoding="utf-8")
                for name in ("swears", "suspect", "banned")
            )
        )
        insults = WordList.packaged("insults")
        return cls(net or ToxicityNet.from_package(), combiner, swearing, insults, ngrams, toxblock)

    # -- features --------------------------------------------------------------------------

    def repair(self, text: str) -> str:
        """Folded text with each unknown word replaced by a known spelling it stands for."""
        return " ".join(self._repair_word(raw) for raw in fold(text).split())

    def _repair_word(self, raw: str) -> str:
        known = self._repaired.get(raw)
        if known is not None:
            return known
        if len(self._repaired) >= 50_000:
            self._repaired.clear()
        known = raw
        if not all(self.net.in_vocabulary(p) for p in self.net.words(raw)):
            core = raw.strip(_STRIP)
            candidates = [core, *variants(core), squeeze_all(core)]
            if core.endswith("'s"):
                candidates.append(core[:-2])
            known = next((c for c in candidates if c and self.net.in_vocabulary(c)), raw)
        self._repaired[raw] = known
        return known

    def ngram_text(self, text: str) -> str:
        """What the n-gram model reads: the text, plus the repaired spellings of its words.

        Repairing in place ("1d10t" → "idiot") would also rewrite names and jargon the
        network does not know, which the n-gram model reads well as they are; so the
        repaired words are added after the text instead.
        """
        pairs = zip(fold(text).split(), self.repair(text).split(), strict=False)
        extra = [repaired for raw, repaired in pairs if repaired != raw]
        return text + "\n" + " ".join(extra) if extra else text

    def logits(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """The first network's logits for each (repaired) text, (N, 6)."""
        return self.hidden_logits(texts)[1]

    def hidden_logits(
        self, texts: Sequence[str]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The first network's hidden units (N, 50) and logits (N, 6) for each (repaired)
        text, read in windows of 100 words (`ToxicityNet.read`)."""
        return self.net.read([self.repair(t) for t in texts])

    def features(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """The combiner's input, one row per text (see FEATURES)."""
        rows = np.zeros((len(texts), len(FEATURES)), np.float64)
        if not texts:
            return rows
        repaired = [self.repair(t) for t in texts]
        hidden, rows[:, :6] = self.net.read(repaired)
        base = len(BASE_FEATURES)
        rows[:, base] = self.ngrams.logits([self.ngram_text(t) for t in texts])
        second = base + 1 + HIDDEN_UNITS
        rows[:, base + 1 : second] = hidden
        rows[:, second:] = self.toxblock.read(repaired)[1]
        for k, text in enumerate(texts):
            words = tokens(fold(text))
            letters = [c for c in text if c.isalpha()]
            capitals = sum(c.isupper() for c in letters) / len(letters) if letters else 0.0
            rows[k, 6:base] = (
                np.log1p(len(self._swearing.find_in_tokens(words))),
                np.log1p(len(self._insults.find_in_tokens(words))),
                np.log1p(sum(w in _SECOND_PERSON for w in words)),
                np.log1p(text.count("!")),
                np.log1p(text.count("?")),
                capitals,
                np.log1p(len(text)),
            )
        return rows

    # -- scoring ---------------------------------------------------------------------------

    def scores(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Toxicity in 0..1 for each text, batched (the fast path for many comments)."""
        if not texts:
            return np.zeros(0, np.float64)
        return self.combiner.predict(self.features(texts))

    def score(self, text: str, parent_text: str | None = None) -> Signal:
        return self.score_many([text], [parent_text])[0]

    def score_many(
        self, texts: Sequence[str], parent_texts: Sequence[str | None] | None = None
    ) -> list[Signal]:
        parents = list(parent_texts) if parent_texts is not None else [None] * len(texts)
        own = [strip_quotes(t, p) for t, p in zip(texts, parents, strict=True)]
        parent_score = {p: self._context_scores.get(_digest(p)) for p in parents if p}
        context = [p for p, known in parent_score.items() if known is None]
        batch = own + context
        rows = self.features(batch) if batch else np.zeros((0, len(FEATURES)))
        probs = self.combiner.predict(rows) if batch else np.zeros(0)
        if len(self._context_scores) + len(context) > _CONTEXT_CACHE:
            self._context_scores.clear()
        for text, computed in zip(context, probs[len(own) :].tolist(), strict=True):
            parent_score[text] = self._context_scores[_digest(text)] = computed
        signals = []
        for k in range(len(own)):
            score = float(probs[k])
            heads = sorted(zip(self.net.labels, rows[k, :6], strict=True), key=lambda kv: -kv[1])[
                :2
            ]
            model = ", ".join(f"{name} {1 / (1 + np.exp(-z)):.2f}" for name, z in heads)
            reason = f"Toxicity {score:.2f} (model: {model}"
            if rows[k, 6] > 0:
                reason += f"; swearing: {round(float(np.expm1(rows[k, 6])))}"
            if rows[k, 7] > 0:
                reason += f"; insults: {round(float(np.expm1(rows[k, 7])))}"
            reason += ")"
            parent = parents[k]
            if parent:
                reason += f"; replying to a comment scored {parent_score[parent]:.2f}"
                if own[k] != texts[k]:
                    reason += ", quoted text not counted"
            elif own[k] != texts[k]:
                reason += "; quoted lines not counted"
            signals.append(Signal(TOXICITY, min(1.0, max(0.0, score)), reason + "."))
        return signals
