-- The result schema bounds neither; a value past integer must not make a valid event poison.
ALTER TABLE provisioning_log ALTER COLUMN duration_ms TYPE bigint, ALTER COLUMN attempt TYPE bigint;
