-- A site's own word lists, added to the packaged ones: {"banned": [...], "suspect": [...]}
-- (banned entries reject a comment, suspect entries hold it). Kept on the site's row so
-- every instance's site lookup, which the posting pipeline makes for each comment, sees a
-- change on the next comment.
ALTER TABLE sites ADD COLUMN word_lists TEXT NOT NULL DEFAULT '{}';
