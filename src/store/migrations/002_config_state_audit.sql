-- The cluster-wide config version (bumped by every committed write; nodes rebuild when it moves) and the
-- audit trail of who changed what (before/after images with secrets redacted).

CREATE TABLE config_state (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  version bigint NOT NULL
);
INSERT INTO config_state (version) VALUES (0);

CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id text NOT NULL,
  actor_name text NOT NULL,
  request_id text,
  action text NOT NULL,
  kind text NOT NULL,
  entity_id text,
  before jsonb,
  after jsonb
);
CREATE INDEX audit_log_entity_idx ON audit_log (kind, entity_id, id);
CREATE INDEX audit_log_entity_id_idx ON audit_log (entity_id, id);
