"""Layer 2: moderation — scorers and policies, pure.

Scorers turn a comment (and what the caller knows around it) into `Signal`s; a policy turns
signals into publish / hold / reject with reasons. Nothing here does I/O beyond reading the
model files shipped in this package; numpy is the only runtime dependency.

    moderator = Moderator.load()            # once per process (≈ 0.1 s)
    verdict, signals = moderator.moderate(CommentFacts(text, parent_text), PolicyConfig())

Modules: `signals` (the Signal type), `normalize` + `wordlists` (evasion-proof matching),
`words` (banned/suspect), `toxicity` (+ `bilstm` and `ngrams`), `spam` (+ `spam_model`),
`authors` (new authors, reader flags), `policy` (decisions, civility nudge), `moderator`
(all of them together), `jsonl` (JSON lines in, scores out), `bias` (identity-term check),
`evaluate` and `logistic` (metrics and the small combiners, used at build time).
"""

from threadline.moderation.jsonl import score_lines
from threadline.moderation.moderator import CommentFacts, Moderator
from threadline.moderation.policy import (
    Decision,
    PolicyConfig,
    Premoderation,
    Verdict,
    decide,
    should_nudge,
)
from threadline.moderation.signals import Signal
from threadline.moderation.spam import Behaviour, fingerprint

__all__ = [
    "Behaviour",
    "CommentFacts",
    "Decision",
    "Moderator",
    "PolicyConfig",
    "Premoderation",
    "Signal",
    "Verdict",
    "decide",
    "fingerprint",
    "score_lines",
    "should_nudge",
]
