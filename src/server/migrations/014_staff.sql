-- Officer sign-in (src/shared/staff.ts): the staff id of the officer who received a dossier, beside
-- the name printed on its receipt. Null for dossiers received before sign-in existed, or at a
-- counter whose branch has no staff accounts yet. The accounts themselves are published records
-- (scope staff:<branch> in `changes`), not a table.
ALTER TABLE received_dossiers ADD COLUMN officer_id text;
