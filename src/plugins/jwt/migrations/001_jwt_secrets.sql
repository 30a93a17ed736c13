-- The jwt plugin's table (Kong's jwt/daos.lua), shaped like core's entity tables (store/migrations/001):
-- foreign keys, unique and lookup fields as columns named for the constraint names the store derives.
-- IF NOT EXISTS: databases made before plugins owned their tables already have it, from core's 001.

CREATE TABLE IF NOT EXISTS jwt_secrets (
  id uuid PRIMARY KEY,
  consumer_id uuid NOT NULL CONSTRAINT jwt_secrets_consumer_fkey REFERENCES consumers (id) ON DELETE CASCADE,
  key text CONSTRAINT jwt_secrets_key_unique UNIQUE,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS jwt_secrets_consumer_id_idx ON jwt_secrets (consumer_id);
