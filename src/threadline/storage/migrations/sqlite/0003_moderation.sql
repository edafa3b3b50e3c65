-- Moderation: people and their roles, sessions, the pipeline's findings on comments, reader
-- flags, bans and the audit log. Times are UTC microseconds since the epoch.

-- People who sign in (admins, moderators, staff). Readers never have an account here.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    email          TEXT    NOT NULL UNIQUE,   -- stored case-folded
    display_name   TEXT    NOT NULL,
    password_hash  TEXT    NOT NULL,          -- argon2id, with its parameters
    created_at     INTEGER NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0
);

-- admin: everything (site_id NULL); moderator and staff: one row per site.
CREATE TABLE user_roles (
    user_id  INTEGER NOT NULL REFERENCES users(id),
    role     TEXT    NOT NULL CHECK (role IN ('admin', 'moderator', 'staff')),
    site_id  INTEGER REFERENCES sites(id)
);
CREATE UNIQUE INDEX user_roles_unique ON user_roles (user_id, role, COALESCE(site_id, 0));

-- Only a hash of each session token is kept; revoked_at ends a session before it expires.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- What the pipeline found (reasons and signals as JSON), who the author is for bans and
-- history (case-folded email, else name), a text fingerprint to count copies, reader flags
-- and editors' picks.
ALTER TABLE comments ADD COLUMN author_key TEXT;
ALTER TABLE comments ADD COLUMN fingerprint TEXT;
ALTER TABLE comments ADD COLUMN moderation_decision TEXT;
ALTER TABLE comments ADD COLUMN moderation_reasons TEXT NOT NULL DEFAULT '[]';
ALTER TABLE comments ADD COLUMN moderation_signals TEXT NOT NULL DEFAULT '[]';
ALTER TABLE comments ADD COLUMN flag_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN reviewed_flag_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN featured INTEGER NOT NULL DEFAULT 0;
ALTER TABLE comments ADD COLUMN moderated_at INTEGER;
ALTER TABLE comments ADD COLUMN moderated_by INTEGER REFERENCES users(id);
UPDATE comments SET author_key = LOWER(COALESCE(author_email, author_name))
    WHERE status <> 'deleted';
CREATE INDEX comments_by_author ON comments (author_key, created_at);
CREATE INDEX comments_by_status ON comments (status, created_at);
CREATE INDEX comments_by_fingerprint ON comments (fingerprint);
CREATE INDEX comments_by_ip ON comments (ip, created_at);

-- Hold every new comment of this thread for review.
ALTER TABLE threads ADD COLUMN premoderated INTEGER NOT NULL DEFAULT 0;

-- One flag per reader identity (a keyed digest) per comment.
CREATE TABLE flags (
    id          INTEGER PRIMARY KEY,
    comment_id  INTEGER NOT NULL REFERENCES comments(id),
    reader      TEXT    NOT NULL,
    reason      TEXT    NOT NULL
                CHECK (reason IN ('spam', 'abusive', 'off_topic', 'misinformation', 'other')),
    note        TEXT,
    created_at  INTEGER NOT NULL,
    UNIQUE (comment_id, reader)
);

-- Site-scoped bans of an author key; ends_at NULL = permanent; lifted_at ends one early.
CREATE TABLE bans (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    author_key  TEXT    NOT NULL,
    reason      TEXT    NOT NULL DEFAULT '',
    created_by  INTEGER REFERENCES users(id),
    created_at  INTEGER NOT NULL,
    ends_at     INTEGER,
    lifted_at   INTEGER
);
CREATE INDEX bans_by_author ON bans (site_id, author_key);

-- Every moderation action: who, when, what, before → after (JSON) and why.
CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY,
    at_us        INTEGER NOT NULL,
    actor_id     INTEGER REFERENCES users(id),
    actor_name   TEXT    NOT NULL,
    site_id      INTEGER REFERENCES sites(id),
    action       TEXT    NOT NULL,
    target_type  TEXT    NOT NULL,
    target_id    TEXT    NOT NULL,
    before_state TEXT    NOT NULL DEFAULT '{}',
    after_state  TEXT    NOT NULL DEFAULT '{}',
    reason       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_by_site ON audit_log (site_id, at_us);
