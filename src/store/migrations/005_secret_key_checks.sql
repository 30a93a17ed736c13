-- A check value for each secret key the stored values may be under (an HMAC under a key derived from it: it
-- proves a key without revealing it). A node compares its keyring with these before it serves, so a node given
-- the wrong key refuses to start instead of answering 401 to API keys the other nodes accept. Written when the
-- store is first keyed (a database from before this table: on the first start whose keys open its secrets),
-- extended when a node starts with a new key, replaced by `portcullis secrets rekey`.

CREATE TABLE secret_key_checks (
  key_id text PRIMARY KEY,
  check_value text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
);
