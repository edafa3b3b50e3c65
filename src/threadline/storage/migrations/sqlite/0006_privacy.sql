-- Readers' data rights: the links mailed to the address a reader gave, so they can download
-- or erase what is tied to it. The link carries a random nonce (and a signature); only its
-- SHA-256 digest is kept. The email is needed until the link is used or expires, then
-- dropped (used links keep their row, without the email, until expiry: single use).
CREATE TABLE privacy_requests (
    nonce_hash  TEXT    PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites(id),
    email       TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX privacy_requests_by_expiry ON privacy_requests (expires_at);

-- Retention: the comments that still hold a client address or user agent, oldest first, so
-- the periodic purge finds what is due without scanning every comment.
CREATE INDEX comments_with_client ON comments (created_at)
    WHERE ip IS NOT NULL OR user_agent IS NOT NULL;

-- A reader's comments by the email they gave, whatever its case (imports keep the export's).
CREATE INDEX comments_by_email ON comments (LOWER(author_email));
