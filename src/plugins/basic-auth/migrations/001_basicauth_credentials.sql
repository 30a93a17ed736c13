-- basic-auth's credentials (Kong's basicauth_credentials), in the shape of the core credential tables
-- (store/migrations/001_entities.sql). There is no password column: the password's scrypt hash lives in
-- `data` as `password_hash`, only ever verified, so no index or constraint needs it. `username` is the
-- lookup and endpoint key; `username_key` is its lookalike key (006_lookalike_keys.sql), unique as well.
CREATE TABLE IF NOT EXISTS basicauth_credentials (
  id uuid PRIMARY KEY,
  consumer_id uuid NOT NULL CONSTRAINT basicauth_credentials_consumer_fkey REFERENCES consumers (id) ON DELETE CASCADE,
  username text NOT NULL CONSTRAINT basicauth_credentials_username_unique UNIQUE,
  username_key text,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS basicauth_credentials_consumer_id_idx ON basicauth_credentials (consumer_id);
CREATE UNIQUE INDEX IF NOT EXISTS basicauth_credentials_username_key_unique ON basicauth_credentials (username_key);
