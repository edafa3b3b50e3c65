-- Reply notifications that are due and not yet accepted by the mail server: a row is written
-- in the same transaction that made the reply visible (posted published to a parent that
-- asked, or approved later) and deleted once the SMTP server took the mail (or the mail is
-- not due after all, or was given up after a day). `claimed_until`: a sender's lease, so two
-- processes never send the same mail at once. No foreign key: a reply erased meanwhile is
-- simply not mailed about.
CREATE TABLE reply_mail_outbox (
    reply_id       INTEGER PRIMARY KEY,
    created_at     INTEGER NOT NULL,
    due_at         INTEGER NOT NULL,
    attempts       INTEGER NOT NULL DEFAULT 0,
    claimed_until  INTEGER
);
CREATE INDEX reply_mail_outbox_by_due ON reply_mail_outbox (due_at);

-- Desk alerts: a moderator's (or admin's) wish to be mailed about comments waiting for them
-- on one site. No row: off. `since_at`: the alert's high-water mark (held or reported after
-- it is new); `next_at`: the earliest time the next alert may go; `claimed_until`: a
-- sender's lease.
CREATE TABLE desk_alerts (
    user_id        INTEGER NOT NULL REFERENCES users(id),
    site_id        INTEGER NOT NULL REFERENCES sites(id),
    every          TEXT    NOT NULL CHECK (every IN ('immediate', 'hourly', 'daily')),
    since_at       INTEGER NOT NULL,
    next_at        INTEGER NOT NULL,
    last_sent_at   INTEGER,
    claimed_until  INTEGER,
    PRIMARY KEY (user_id, site_id)
);
CREATE INDEX desk_alerts_by_next ON desk_alerts (next_at);

-- Readers' reports by time, for the alerts' "newly reported".
CREATE INDEX flags_by_time ON flags (created_at);
