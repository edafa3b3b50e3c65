-- Sites, threads, comments and votes. Times are UTC microseconds since the epoch.
CREATE TABLE sites (
    id          INTEGER PRIMARY KEY,
    slug        TEXT    NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    origins     TEXT    NOT NULL DEFAULT '[]',
    settings    TEXT    NOT NULL DEFAULT '{}',
    created_at  INTEGER NOT NULL
);

CREATE TABLE threads (
    id             INTEGER PRIMARY KEY,
    site_id        INTEGER NOT NULL REFERENCES sites(id),
    key            TEXT    NOT NULL,
    title          TEXT,
    url            TEXT,
    closed         INTEGER NOT NULL DEFAULT 0,
    comment_count  INTEGER NOT NULL DEFAULT 0,
    version        INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    UNIQUE (site_id, key)
);

CREATE TABLE comments (
    id               INTEGER PRIMARY KEY,
    thread_id        INTEGER NOT NULL REFERENCES threads(id),
    parent_id        INTEGER REFERENCES comments(id),
    depth            INTEGER NOT NULL,
    status           TEXT    NOT NULL
                     CHECK (status IN ('published', 'pending', 'rejected', 'deleted')),
    author_name      TEXT    NOT NULL,
    author_email     TEXT,
    author_website   TEXT,
    body             TEXT    NOT NULL,
    html             TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    edited_at        INTEGER,
    upvotes          INTEGER NOT NULL DEFAULT 0,
    downvotes        INTEGER NOT NULL DEFAULT 0,
    edit_token_hash  TEXT,
    ip               TEXT,
    user_agent       TEXT
);
CREATE INDEX comments_by_thread ON comments (thread_id);
CREATE INDEX comments_by_parent ON comments (parent_id);

CREATE TABLE votes (
    comment_id  INTEGER NOT NULL REFERENCES comments(id),
    voter       TEXT    NOT NULL,
    value       INTEGER NOT NULL CHECK (value IN (-1, 0, 1)),
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (comment_id, voter)
);

-- Server-wide values every instance must agree on (e.g. the generated secret key).
CREATE TABLE server_values (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
