-- Webhooks: a site's receivers of events, and one delivery row per webhook per event.
-- Times are UTC microseconds since the epoch.

-- `events` is the JSON list shown to people; the hot path reads `webhook_subscriptions`.
-- `active` 0 with a `disabled_reason`: turned off by the server (the receiver answered
-- 410 Gone); 0 without one: paused by an administrator.
CREATE TABLE webhooks (
    id               INTEGER PRIMARY KEY,
    site_id          INTEGER NOT NULL REFERENCES sites(id),
    url              TEXT    NOT NULL,
    secret           TEXT    NOT NULL,
    events           TEXT    NOT NULL DEFAULT '[]',
    active           INTEGER NOT NULL DEFAULT 1,
    description      TEXT    NOT NULL DEFAULT '',
    created_at       INTEGER NOT NULL,
    created_by       INTEGER REFERENCES users(id),
    created_by_name  TEXT    NOT NULL,
    disabled_reason  TEXT
);
CREATE INDEX webhooks_by_site ON webhooks (site_id);

-- The events some active webhook of the site wants (a JSON list), kept by the queries that
-- change webhooks: the site is read with every write anyway, so a write whose event no
-- webhook wants costs nothing more (webhook_events.record).
ALTER TABLE sites ADD COLUMN webhook_events TEXT NOT NULL DEFAULT '[]';

-- (site, event) → webhook: what every write that changes a comment looks up, inside its
-- own transaction; a site without webhooks costs one probe of this primary key.
CREATE TABLE webhook_subscriptions (
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    event       TEXT    NOT NULL,
    webhook_id  INTEGER NOT NULL REFERENCES webhooks(id),
    PRIMARY KEY (site_id, event, webhook_id)
);

-- One row per webhook per event. `comment_id`/`thread_id` name what it is about (the
-- payload is built from them when sent); a worker claims a due row by moving its
-- `next_attempt_at` past a lease (`lease_until`, `lease_owner`), so a worker that dies
-- mid-delivery leaves the row due again once the lease ends.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL REFERENCES webhooks(id),
    event            TEXT    NOT NULL,
    comment_id       INTEGER,
    thread_id        INTEGER,
    occurred_at      INTEGER NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    give_up_at       INTEGER NOT NULL,
    lease_until      INTEGER,
    lease_owner      TEXT,
    last_attempt_at  INTEGER,
    delivered_at     INTEGER,
    last_status      INTEGER,
    last_error       TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)
    WHERE state = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (occurred_at)
    WHERE state <> 'pending';
