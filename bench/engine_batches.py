"""The moderation engine's CPU per comment in the batches it scores while writes arrive.

The writes benchmark (writes.py) posts the workload's comments with a third of them replies
to the 50 comments it seeded first; the engine scores them in small batches (about four
while 16 clients post). This scores 1,000 workload comments the same way in one process
(BLAS on one thread, as the engine's worker runs) and prints the CPU time per comment, the
best of a few passes — the figure to compare before and after a change to the engine (put
the other revision's `src` first on PYTHONPATH for the other side).

    .venv/bin/python bench/engine_batches.py [--batch 4] [--passes 3]
"""

from __future__ import annotations

import argparse
import random
import time

from threadpoolctl import threadpool_limits

from harness import log
from threadline.moderation import Moderator
from threadline.moderation.moderator import CommentFacts
from threadline.moderation.policy import PolicyConfig
from workload import generate

PARENTS = 50  # as writes.py seeds
REPLY_EVERY = 3  # a third of the comments are replies


def _facts(count: int) -> list[CommentFacts]:
    comments = generate(count)
    parents = [c.body for c in comments[:PARENTS]]
    rng = random.Random(1)
    return [
        CommentFacts(
            text=c.body,
            parent_text=rng.choice(parents) if i % REPLY_EVERY == 0 else None,
            author_approved_comments=5,
        )
        for i, c in enumerate(comments)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=4, help="comments scored together")
    parser.add_argument("--passes", type=int, default=3, help="passes; the best one counts")
    parser.add_argument("--comments", type=int, default=1000)
    args = parser.parse_args()
    moderator = Moderator.load()
    facts = _facts(args.comments)
    config = PolicyConfig()

    def one_pass() -> float:
        started = time.process_time()
        for start in range(0, len(facts), args.batch):
            moderator.signals_many(facts[start : start + args.batch], config)
        return time.process_time() - started

    with threadpool_limits(limits=1, user_api="blas"):
        one_pass()  # warm: caches of the tokenizer and the n-gram analyzer fill
        best = min(one_pass() for _ in range(args.passes))
    per_comment_ms = best / len(facts) * 1000
    log(
        f"{len(facts)} comments, a third replies to {PARENTS} parents, batches of "
        f"{args.batch}: {per_comment_ms:.2f} ms CPU per comment (best of {args.passes})"
    )


if __name__ == "__main__":
    main()
