-- An author's history (approved / rejected / pending counts, first seen) is read for every
-- new comment and every card of the moderation queues. With (author_key, created_at) alone
-- each of the author's comments was a row lookup: 16 ms for an author with 10,000 comments.
-- The same index, carrying status and thread, answers from the index alone (and still serves
-- posting velocity: author_key, then created_at).
DROP INDEX comments_by_author;
CREATE INDEX comments_by_author ON comments (author_key, created_at, status, thread_id);
