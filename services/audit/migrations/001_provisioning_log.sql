-- One row per provisioning command, joined with its result (either may arrive first).
CREATE TABLE provisioning_log (
  command_id           text PRIMARY KEY,
  change_id            text NOT NULL,
  user_id              text NOT NULL,
  action               text NOT NULL,
  -- success | failure | skipped | warning from the result; pending until it arrives
  status               text NOT NULL DEFAULT 'pending',
  cycle_id             text,
  user_principal_name  text,
  matching_attribute   text,
  matching_value       text,
  fields               jsonb NOT NULL DEFAULT '{}',
  command_modified     jsonb NOT NULL DEFAULT '[]',
  reasons              jsonb NOT NULL DEFAULT '[]',
  origin               text,
  issued_at            timestamptz,
  has_command          boolean NOT NULL DEFAULT false,
  has_result           boolean NOT NULL DEFAULT false,
  salesforce_id        text,
  linked_by            text,
  error_code           text,
  error_message        text,
  error_retriable      boolean,
  error_fields         jsonb,
  recommended_action   text,
  result_modified      jsonb,
  dry_run              boolean NOT NULL DEFAULT false,
  attempt              integer,
  started_at           timestamptz,
  completed_at         timestamptz,
  duration_ms          integer,
  -- completedAt when the result is here, else issuedAt: what lists sort and filter by
  activity_at          timestamptz NOT NULL,
  received_at          timestamptz NOT NULL DEFAULT now(),
  notified_at          timestamptz
);

CREATE INDEX provisioning_log_activity ON provisioning_log (activity_at DESC, command_id DESC);
CREATE INDEX provisioning_log_user ON provisioning_log (user_id);
CREATE INDEX provisioning_log_upn ON provisioning_log (lower(user_principal_name));
CREATE INDEX provisioning_log_change ON provisioning_log (change_id);
CREATE INDEX provisioning_log_status ON provisioning_log (status, activity_at DESC);
CREATE INDEX provisioning_log_error ON provisioning_log (error_code) WHERE error_code IS NOT NULL;
CREATE INDEX provisioning_log_issued ON provisioning_log (issued_at);
CREATE INDEX provisioning_log_unnotified ON provisioning_log (received_at)
  WHERE status = 'failure' AND notified_at IS NULL;

-- Sync rounds from the ingestor's markers (written to every partition, so upserted).
CREATE TABLE sync_runs (
  sync_id              text PRIMARY KEY,
  mode                 text NOT NULL,
  started_at           timestamptz,
  completed_at         timestamptz,
  counts               jsonb,
  started_partitions   integer[] NOT NULL DEFAULT '{}',
  completed_partitions integer[] NOT NULL DEFAULT '{}',
  received_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX sync_runs_started ON sync_runs (started_at DESC);

-- Messages the Kafka driver gave up on, with its reason.
CREATE TABLE dead_letters (
  id            bigserial PRIMARY KEY,
  topic         text NOT NULL,
  source_topic  text NOT NULL,
  kafka_partition integer NOT NULL,
  kafka_offset  text NOT NULL,
  message_key   text,
  reason        text NOT NULL,
  error_code    text,
  headers       jsonb NOT NULL DEFAULT '{}',
  payload       text,
  received_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (topic, kafka_partition, kafka_offset)
);

CREATE INDEX dead_letters_received ON dead_letters (received_at DESC);
