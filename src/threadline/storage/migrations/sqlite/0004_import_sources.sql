-- Imports: where a thread or comment came from (an importer's format name and its id there),
-- so importing the same export twice creates nothing new and an updated export adds only
-- what is new. Comments also keep their parent's origin until the tree is resolved.
-- Live threads and comments leave these NULL (NULLs never collide in a unique index).
ALTER TABLE threads ADD COLUMN source TEXT;
ALTER TABLE threads ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX threads_by_source ON threads (site_id, source, source_id);

ALTER TABLE comments ADD COLUMN source TEXT;
ALTER TABLE comments ADD COLUMN source_id TEXT;
ALTER TABLE comments ADD COLUMN parent_source TEXT;
ALTER TABLE comments ADD COLUMN parent_source_id TEXT;
-- Per thread: replies are looked up in their own thread, and some exports (WordPress
-- fixtures seen in the wild) reuse a comment id across posts.
CREATE UNIQUE INDEX comments_by_source ON comments (thread_id, source, source_id);
