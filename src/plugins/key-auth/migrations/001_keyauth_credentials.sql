-- The key-auth plugin's table (Kong's key-auth/daos.lua), shaped like core's entity tables (store/migrations/001):
-- foreign keys, unique and lookup fields as columns named for the constraint names the store derives.
-- IF NOT EXISTS: databases made before plugins owned their tables already have it, from core's 001.

CREATE TABLE IF NOT EXISTS keyauth_credentials (
  id uuid PRIMARY KEY,
  consumer_id uuid NOT NULL CONSTRAINT keyauth_credentials_consumer_fkey REFERENCES consumers (id) ON DELETE CASCADE,
  -- The codec's keyed hash of the API key: the key itself is never stored.
  key_hash text CONSTRAINT keyauth_credentials_key_unique UNIQUE,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS keyauth_credentials_consumer_id_idx ON keyauth_credentials (consumer_id);
