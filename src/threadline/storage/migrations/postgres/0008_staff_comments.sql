-- Comments written by a signed-in member of the newsroom (staff, moderator or admin of the
-- site) name that user: readers see a staff badge on them. NULL for readers' comments.
ALTER TABLE comments ADD COLUMN author_user_id BIGINT REFERENCES users(id);
