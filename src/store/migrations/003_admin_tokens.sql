-- Admin API tokens: only the SHA-256 of each token is kept (tokens are 256-bit random, so a plain hash is
-- enough; the hash is the lookup key).

CREATE TABLE admin_tokens (
  id uuid PRIMARY KEY,
  name text NOT NULL CONSTRAINT admin_tokens_name_unique UNIQUE,
  role text NOT NULL CHECK (role IN ('read-only', 'admin')),
  token_hash text NOT NULL CONSTRAINT admin_tokens_token_hash_unique UNIQUE,
  created_at bigint NOT NULL,
  last_used_at bigint
);
