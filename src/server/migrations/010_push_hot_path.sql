-- The push path's append-only tables lose the foreign keys that the push already guarantees (issue
-- 10, "Speed"): every row of tickets, ratings and mutations is written by pushMutations for the
-- device it authenticated, whose row it reads and locks in the same transaction (journals JOIN
-- devices … FOR UPDATE), and with that device's branch (a record of another branch is rejected).
-- Devices and branches are never deleted (a device is revoked, not removed). A per-row foreign-key
-- check cost ≈ 17 % of a batch's SQL on PGlite; the constraints kept below are the ones that decide
-- outcomes (primary keys, the unique ticket number, the unique stream seq).
ALTER TABLE tickets DROP CONSTRAINT IF EXISTS tickets_branch_code_fkey;
ALTER TABLE tickets DROP CONSTRAINT IF EXISTS tickets_device_id_fkey;
ALTER TABLE ratings DROP CONSTRAINT IF EXISTS ratings_branch_code_fkey;
ALTER TABLE ratings DROP CONSTRAINT IF EXISTS ratings_device_id_fkey;
ALTER TABLE mutations DROP CONSTRAINT IF EXISTS mutations_device_id_fkey;
