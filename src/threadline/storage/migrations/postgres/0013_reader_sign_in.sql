-- Readers' sign-in with the publisher's accounts (docs/sign-in.md).

-- The site's secret that signs its readers' tokens (HS256); NULL: sign-in is off. Kept in
-- the site's row, which every write reads anyway: verifying a token costs no query.
ALTER TABLE sites ADD COLUMN reader_secret TEXT;

-- The publisher's account id of the signed-in reader who wrote a comment; NULL for comments
-- of readers who typed their name. A reader's own comments in a thread ("mine", from any
-- device) are found through the index; most comments have none, hence partial.
ALTER TABLE comments ADD COLUMN reader_id TEXT;
CREATE INDEX comments_by_reader ON comments (reader_id, thread_id) WHERE reader_id IS NOT NULL;
