-- Databases made before plugins owned their tables have these from core's 004: IF NOT EXISTS / OR REPLACE.
-- rate-limiting's `cluster` policy: request counters shared by every node through the database. One row per
-- plugin instance (scope), identifier, period and window; rows are deleted once expires_at (ms) has passed.
-- Kong keeps these in `ratelimiting_metrics` keyed by service and route; ours are keyed by plugin instance.
-- UNLOGGED: no WAL, so a counted request costs no disk flush (about 5x faster on PostgreSQL, see
-- bench/rate-limit-stores.ts). The price: after a database crash or a failover to a replica the counters start
-- from zero, as Redis counters do after a restart without persistence.

CREATE UNLOGGED TABLE IF NOT EXISTS rate_limiting_counters (
  scope text NOT NULL,
  identifier text NOT NULL,
  period text NOT NULL,
  window_start bigint NOT NULL,
  value bigint NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (scope, identifier, period, window_start)
);

CREATE INDEX IF NOT EXISTS rate_limiting_counters_expires_at ON rate_limiting_counters (expires_at);

-- Counts one request in every limited window, all or nothing, in one statement: the current rows are created
-- when missing and locked in period order (concurrent calls for one identifier queue there, never deadlock),
-- every limit is checked, and only then are all rows incremented. `spec` is
--   { "sliding": bool, "limits": [{ "period", "start", "prev_start", "limit", "weight", "expires_at" }, …] }
-- in period order. Returns { "refused": index of a refusing limit or -1, "counts": […], "previous": […] }.
-- A sliding limit refuses when count + floor(previous × weight) has reached it (sliding-window.ts).
CREATE OR REPLACE FUNCTION rate_limiting_consume(p_scope text, p_identifier text, p_spec jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  sliding boolean := (p_spec->>'sliding')::boolean;
  item jsonb;
  idx int;
  cur bigint;
  prev bigint;
  counts bigint[] := '{}';
  previous bigint[] := '{}';
  refused int := -1;
BEGIN
  INSERT INTO rate_limiting_counters (scope, identifier, period, window_start, value, expires_at)
  SELECT p_scope, p_identifier, l->>'period', (l->>'start')::bigint, 0, (l->>'expires_at')::bigint
  FROM jsonb_array_elements(p_spec->'limits') WITH ORDINALITY AS e(l, ord)
  ORDER BY ord
  ON CONFLICT DO NOTHING;

  FOR item, idx IN SELECT l, ord::int FROM jsonb_array_elements(p_spec->'limits') WITH ORDINALITY AS e(l, ord) ORDER BY ord LOOP
    SELECT value INTO cur FROM rate_limiting_counters
    WHERE scope = p_scope AND identifier = p_identifier AND period = item->>'period' AND window_start = (item->>'start')::bigint
    FOR UPDATE;
    prev := 0;
    IF sliding THEN
      SELECT value INTO prev FROM rate_limiting_counters
      WHERE scope = p_scope AND identifier = p_identifier AND period = item->>'period' AND window_start = (item->>'prev_start')::bigint;
      prev := coalesce(prev, 0);
    END IF;
    counts := counts || cur;
    previous := previous || prev;
    IF cur + floor(prev::float8 * (item->>'weight')::float8) >= (item->>'limit')::float8 THEN
      refused := idx - 1;
    END IF;
  END LOOP;

  IF refused = -1 THEN
    FOR item, idx IN SELECT l, ord::int FROM jsonb_array_elements(p_spec->'limits') WITH ORDINALITY AS e(l, ord) ORDER BY ord LOOP
      UPDATE rate_limiting_counters SET value = value + 1
      WHERE scope = p_scope AND identifier = p_identifier AND period = item->>'period' AND window_start = (item->>'start')::bigint
      RETURNING value INTO cur;
      counts[idx] := cur;
    END LOOP;
  END IF;

  RETURN jsonb_build_object('refused', refused, 'counts', to_jsonb(counts), 'previous', to_jsonb(previous));
END;
$$;
