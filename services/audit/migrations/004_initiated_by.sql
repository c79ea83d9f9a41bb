-- Who asked for a command, when a person or an app did (a guard release, provision on demand):
-- the command's initiatedBy, as their Entra ID token named them.
ALTER TABLE provisioning_log ADD COLUMN initiated_by jsonb;
