"""How well each scorer agrees with the site's moderators, so thresholds can be calibrated on
the site's own data: a rejection by a person is the positive class, the scorer "flags" a
comment when its score reaches the threshold the site's policy uses for it."""

from __future__ import annotations

from dataclasses import dataclass

from threadline.domain.models import CommentStatus, SiteSettings
from threadline.moderation.remote import DEFAULT_HOLD_AT
from threadline.service.context import ServiceContext
from threadline.service.sites import get_site


@dataclass(frozen=True, slots=True)
class ScorerAgreement:
    scorer: str
    threshold: float
    flagged: int  # decided comments this scorer would hold or reject
    true_positives: int  # … that a moderator rejected
    rejected: int  # rejections among the decided comments

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.flagged if self.flagged else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.rejected if self.rejected else None


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    site: str
    decided: int
    rejected: int
    scorers: list[ScorerAgreement]


def thresholds(settings: SiteSettings) -> dict[str, float]:
    """The score at which each scorer's signal counts against a comment under this policy."""
    return {
        "toxicity": settings.toxicity_hold,
        "spam": settings.spam_hold,
        "banned_words": 1e-9,
        "suspect_words": 1e-9,
        "links": 1e-9,
        "new_author": 1.0,
        "flags": 1.0,
        "external": DEFAULT_HOLD_AT,  # the newsroom's own scorer, when one is configured
    }


def report(ctx: ServiceContext, site_slug: str) -> CalibrationReport:
    site = get_site(ctx, site_slug)
    with ctx.store.reading() as db:
        decisions = db.moderator_decisions(site.id)
    limits = thresholds(site.settings)
    rejected_total = sum(status is CommentStatus.REJECTED for status, _ in decisions)
    counts: dict[str, list[int]] = {}
    for status, signals in decisions:
        rejected = status is CommentStatus.REJECTED
        for s in signals:
            name = str(s.get("scorer", ""))
            if name not in limits:
                continue
            flagged = float(s.get("score", 0.0)) >= limits[name]
            row = counts.setdefault(name, [0, 0])
            row[0] += flagged
            row[1] += flagged and rejected
    return CalibrationReport(
        site.slug,
        len(decisions),
        rejected_total,
        [
            ScorerAgreement(name, limits[name], flagged, tp, rejected_total)
            for name, (flagged, tp) in sorted(counts.items())
        ],
    )
