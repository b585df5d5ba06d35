-- Deletion is a saga (src/documents/purge.ts): DELETE marks a document `deleting` and a queue
-- message removes it step by step. The daily cron resumes deletions whose message was lost
-- (enqueue failed, dead-lettered); this partial index finds them without scanning documents.
CREATE INDEX IF NOT EXISTS "documents_deleting_idx" ON "documents" ("updated_at") WHERE "status" = 'deleting';
