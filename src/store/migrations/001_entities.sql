-- One table per core entity kind (Kong's names; a plugin's own kinds are in its migrations/ folder). `data` holds the admin-shaped record without its secrets, id,
-- timestamps, tags and foreign keys, which have real columns; unique fields have real columns too, so the
-- database, not the application, settles a race between two nodes. NULLs never clash (Kong: unset unique
-- fields are allowed more than once). Secret fields live in `secrets`, one envelope per row; API keys only
-- as `key_hash`.

CREATE TABLE services (
  id uuid PRIMARY KEY,
  name text CONSTRAINT services_name_unique UNIQUE,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE routes (
  id uuid PRIMARY KEY,
  name text CONSTRAINT routes_name_unique UNIQUE,
  service_id uuid CONSTRAINT routes_service_fkey REFERENCES services (id) ON DELETE RESTRICT,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
CREATE INDEX routes_service_id_idx ON routes (service_id);

CREATE TABLE upstreams (
  id uuid PRIMARY KEY,
  name text NOT NULL CONSTRAINT upstreams_name_unique UNIQUE,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE targets (
  id uuid PRIMARY KEY,
  upstream_id uuid NOT NULL CONSTRAINT targets_upstream_fkey REFERENCES upstreams (id) ON DELETE CASCADE,
  target text NOT NULL,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  CONSTRAINT targets_upstream_target_unique UNIQUE (upstream_id, target)
);

CREATE TABLE consumers (
  id uuid PRIMARY KEY,
  username text CONSTRAINT consumers_username_unique UNIQUE,
  custom_id text CONSTRAINT consumers_custom_id_unique UNIQUE,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);

CREATE TABLE plugins (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  instance_name text CONSTRAINT plugins_instance_name_unique UNIQUE,
  service_id uuid CONSTRAINT plugins_service_fkey REFERENCES services (id) ON DELETE CASCADE,
  route_id uuid CONSTRAINT plugins_route_fkey REFERENCES routes (id) ON DELETE CASCADE,
  consumer_id uuid CONSTRAINT plugins_consumer_fkey REFERENCES consumers (id) ON DELETE CASCADE,
  data jsonb NOT NULL,
  tags text[],
  secrets text,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
-- One plugin of a name per scope; here an unset scope is a value (the nil uuid), so two global rate-limiting
-- plugins clash as Kong's cache key says they do.
CREATE UNIQUE INDEX plugins_name_service_route_consumer_unique ON plugins (
  name,
  COALESCE(service_id, '00000000-0000-0000-0000-000000000000'::uuid),
  COALESCE(route_id, '00000000-0000-0000-0000-000000000000'::uuid),
  COALESCE(consumer_id, '00000000-0000-0000-0000-000000000000'::uuid)
);
CREATE INDEX plugins_service_id_idx ON plugins (service_id);
CREATE INDEX plugins_route_id_idx ON plugins (route_id);
CREATE INDEX plugins_consumer_id_idx ON plugins (consumer_id);
