-- hmac-auth's table (Kong's hmacauth_credentials), in the shape of core's credential tables: the username in a
-- unique column (found by it on every request) and its lookalike key under a unique index (006_lookalike_keys.sql);
-- the secret sealed in `secrets`, never in `data`.
CREATE TABLE IF NOT EXISTS hmacauth_credentials (
  id uuid PRIMARY KEY,
  consumer_id uuid NOT NULL CONSTRAINT hmacauth_credentials_consumer_fkey REFERENCES consumers (id) ON DELETE CASCADE,
  username text CONSTRAINT hmacauth_credentials_username_unique UNIQUE,
  username_key text,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS hmacauth_credentials_consumer_id_idx ON hmacauth_credentials (consumer_id);
CREATE UNIQUE INDEX IF NOT EXISTS hmacauth_credentials_username_key_unique ON hmacauth_credentials (username_key);
