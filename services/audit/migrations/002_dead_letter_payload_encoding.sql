-- A dead letter's value may be any bytes: text when it is valid UTF-8 without NUL, else base64.
ALTER TABLE dead_letters ADD COLUMN payload_encoding text NOT NULL DEFAULT 'utf8';
