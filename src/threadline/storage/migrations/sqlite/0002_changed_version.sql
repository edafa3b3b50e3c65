-- Live updates: the thread version at each comment's last change, so a reader reconnecting
-- with Last-Event-ID v gets every comment changed after v in one indexed query.
-- Comments older than this migration count as unchanged since version 0.
ALTER TABLE comments ADD COLUMN changed_version INTEGER NOT NULL DEFAULT 0;
CREATE INDEX comments_by_change ON comments (thread_id, changed_version);
