-- The processing time the receiving officer set at the counter (dossier.submit@1 `processingSet`):
-- {kind: 'working-days' | 'working-hours' | 'date', value, reason}, as the kiosk sent it; the
-- appointment columns hold the date computed from it. Null when the catalog's time applied
-- (and for every dossier received before the setting existed).
ALTER TABLE received_dossiers ADD COLUMN processing_set jsonb;
