-- The acl plugin's table (Kong's acl/daos.lua), shaped like core's entity tables (store/migrations/001):
-- foreign keys, unique and lookup fields as columns named for the constraint names the store derives.
-- IF NOT EXISTS: databases made before plugins owned their tables already have it, from core's 001.

CREATE TABLE IF NOT EXISTS acls (
  id uuid PRIMARY KEY,
  consumer_id uuid NOT NULL CONSTRAINT acls_consumer_fkey REFERENCES consumers (id) ON DELETE CASCADE,
  group_name text NOT NULL,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  CONSTRAINT acls_consumer_group_unique UNIQUE (consumer_id, group_name)
);
