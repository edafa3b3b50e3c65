"""Queries of a site's rules as the desk edits them: settings under a row lock, the site's own
word lists, and the bans in force.

Mixed into `Gateway`; written once for both backends with `:name` parameters.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from typing import Any

from threadline.domain.models import Site, SiteSettings, SiteWordLists
from threadline.domain.moderation import Ban
from threadline.storage.queries import Queries
from threadline.storage.times import to_us


def word_lists_from_json(text: str | None) -> SiteWordLists:
    data = json.loads(text or "{}")
    return SiteWordLists(
        banned=tuple(str(e) for e in data.get("banned", ())),
        suspect=tuple(str(e) for e in data.get("suspect", ())),
    )


def _site_row(row: Any) -> Site:
    from threadline.storage.gateway import site_from_row  # Gateway imports this module

    return site_from_row(row)


def _ban_row(row: Any) -> Ban:
    from threadline.storage.moderation_queries import ban_from_row

    return ban_from_row(row)


class SiteRulesQueries(Queries):
    """Mixed into Gateway (gateway.py), which runs the statements."""

    _dialect: Any  # Gateway's: `for_update` locks a selected row on PostgreSQL

    # -- settings and word lists ---------------------------------------------------------

    def lock_site(self, site_id: int) -> Site | None:
        """The site as it is, locked until this write transaction ends: two people changing
        its rules at once each start from what the other saved, never from a stale read."""
        row = self._one(
            f"SELECT * FROM sites WHERE id = :id{self._dialect.for_update}", {"id": site_id}
        )
        return _site_row(row) if row else None

    def set_site_settings(self, site_id: int, settings: SiteSettings) -> Site:
        row = self._one(
            "UPDATE sites SET settings = :settings WHERE id = :id RETURNING *",
            {"id": site_id, "settings": json.dumps(asdict(settings))},
        )
        assert row is not None
        return _site_row(row)

    def set_site_word_lists(self, site_id: int, lists: SiteWordLists) -> Site:
        row = self._one(
            "UPDATE sites SET word_lists = :lists WHERE id = :id RETURNING *",
            {
                "id": site_id,
                "lists": json.dumps({"banned": list(lists.banned), "suspect": list(lists.suspect)}),
            },
        )
        assert row is not None
        return _site_row(row)

    def set_site_reader_secret(self, site_id: int, secret: str | None) -> Site:
        """The secret that signs the site's readers' sign-in tokens; None turns sign-in off."""
        row = self._one(
            "UPDATE sites SET reader_secret = :secret WHERE id = :id RETURNING *",
            {"id": site_id, "secret": secret},
        )
        assert row is not None
        return _site_row(row)

    # -- bans ----------------------------------------------------------------------------

    def get_ban(self, ban_id: int) -> Ban | None:
        row = self._one("SELECT * FROM bans WHERE id = :id", {"id": ban_id})
        return _ban_row(row) if row else None

    def active_bans(
        self, site_id: int, now: datetime, *, limit: int = 500
    ) -> list[tuple[Ban, str | None]]:
        """The site's bans in force, newest first, each with who imposed it (their display
        name; None when no signed-in person did)."""
        rows = self._all(
            "SELECT b.*, u.display_name AS banned_by FROM bans b "
            "LEFT JOIN users u ON u.id = b.created_by "
            "WHERE b.site_id = :site AND b.lifted_at IS NULL "
            "AND (b.ends_at IS NULL OR b.ends_at > :now) ORDER BY b.id DESC LIMIT :limit",
            {"site": site_id, "now": to_us(now), "limit": limit},
        )
        return [(_ban_row(r), r["banned_by"]) for r in rows]
