-- Comments imported before imports set `author_key` have none, so moderation history and
-- bans did not see them. Give them the key live comments get (service/pipeline.author_key:
-- the email, else the name, trimmed and lower-cased). Deleted comments keep none.
-- SQLite's LOWER folds ASCII letters only; new imports fold every letter (str.casefold).
UPDATE comments
SET author_key = LOWER(TRIM(COALESCE(NULLIF(author_email, ''), author_name)))
WHERE author_key IS NULL AND source IS NOT NULL AND status <> 'deleted';
