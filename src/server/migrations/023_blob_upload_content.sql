-- The content an unfinished upload declares (its Upload-Metadata sha256), so that a device's new
-- upload of the same content supersedes its older ones (blobUploads.ts, reserveUpload): a kiosk
-- keeps one upload URL per scan, and an upload whose creation answer was lost is one it will never
-- resume. NULL for uploads begun before this migration.
ALTER TABLE blob_uploads ADD COLUMN sha256 text;
CREATE INDEX blob_uploads_by_device_content ON blob_uploads (device_id, sha256);
