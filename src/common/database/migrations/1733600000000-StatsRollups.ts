import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statistics rollups (统计汇总): the figures of GET /stats/* read from a small table kept current
 * by triggers in the same transaction as every change, instead of scanning a million cases per
 * request (docs/DECISIONS.md, "Statistics rollups").
 *
 * Why triggers and not the outbox or application code: a figure must equal a direct count of the
 * rows at every commit, whichever code path (a service, a job, a migration, a fix by hand in psql)
 * wrote them; a trigger cannot be forgotten and commits or rolls back with the change itself.
 *
 * Each source row contributes "facts" (a calendar day in Asia/Shanghai, its unit, fraud type and
 * bank, a metric, a count `n` and an amount `fen`); `stats_daily` and `stats_monthly` sum them per
 * (subtree, bank, fraud type, day or month, metric), where a fact counts for its unit, every
 * ancestor and "everything", and for its fraud type and "all types" — so a scope is one key and a
 * city-wide year is a dozen monthly rows per metric. The facts of a row come from one SQL function
 * per table (stats_facts_<table>); a change subtracts the old row's facts and adds the new
 * row's, so status moves, amount changes and deletes stay exact. Facts that take a key from
 * another row (an order's fraud type is its case's; a hit's unit is its case's; a delivery's fraud
 * type is its warning's and its unit the coordinator's community) are moved by a BEFORE/AFTER pair
 * on that parent when the key changes or the parent is deleted.
 *
 * The golden-hour median cannot be summed, so each case with an order has one row in
 * `stats_case_golden` (its minutes from report to first order, bucketed), and the rollup keeps a
 * histogram of buckets per day × subtree × fraud type (metric `golden:<bucket>`); the median of any
 * range is read off the summed histogram. Buckets are exact minutes for the first three hours,
 * then 15 minutes to a day, then hours to 30 days; the median is the lower median (percentile_disc)
 * and, bucketing being monotone, equals the bucket of the exact lower median.
 *
 * `stats_rebuild()` recomputes everything from the source rows (the backfill below, and bulk loads
 * that ran with triggers off, like the bench generator).
 */
export class StatsRollups1733600000000 implements MigrationInterface {
  name = 'StatsRollups1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- One row per (day, subtree, fraud type, bank, metric). subtree_id is a unit whose whole subtree
      -- the row sums (each fact is added to its unit and every ancestor), or the nil uuid for
      -- "everything"; fraud_type '*' sums every type; bank_id is a bank (only with subtree nil) or
      -- nil. So a caller's scope is one key (the top of its subtree, or its bank) and a city-wide
      -- year is 12 monthly rows per metric, not a scan of every unit's rows.
      CREATE TABLE stats_daily (
        day date NOT NULL,
        subtree_id uuid NOT NULL,
        fraud_type text NOT NULL,
        bank_id uuid NOT NULL,
        metric text NOT NULL,
        n bigint NOT NULL,
        fen bigint NOT NULL,
        PRIMARY KEY (subtree_id, bank_id, fraud_type, day, metric)
      );
      -- The same by calendar month (day = the 1st): whole months of a range are read from here.
      CREATE TABLE stats_monthly (LIKE stats_daily INCLUDING ALL);

      -- A case's first order is read on every order written (the golden-hour trigger): an index
      -- probe, not a scan of the case's orders, or a case with thousands of orders writes in
      -- quadratic time.
      -- It also serves every other read of a case's orders, so it replaces the index on case_id alone.
      CREATE INDEX freeze_orders_case_requested_idx ON freeze_orders (case_id, requested_at);
      DROP INDEX freeze_orders_case_idx;

      CREATE TABLE stats_case_golden (
        case_id uuid PRIMARY KEY,
        day date NOT NULL,
        unit_id uuid NOT NULL,
        fraud_type text NOT NULL,
        bucket integer NOT NULL
      );

      CREATE TYPE stats_fact AS (
        day date, unit_id uuid, fraud_type text, bank_unit_id uuid, metric text, n bigint, fen bigint
      );

      -- The nil uuid: "no unit" or "no bank" in a rollup key (keys are NOT NULL to be a primary key).
      CREATE FUNCTION stats_none() RETURNS uuid IMMUTABLE LANGUAGE sql AS $$
        SELECT '00000000-0000-0000-0000-000000000000'::uuid $$;

      CREATE FUNCTION stats_day(t timestamptz) RETURNS date IMMUTABLE LANGUAGE sql AS $$
        SELECT (t AT TIME ZONE 'Asia/Shanghai')::date $$;

      -- Lower bound, in minutes, of the golden-hour bucket a time to first order falls in.
      CREATE FUNCTION stats_golden_bucket(minutes bigint) RETURNS integer IMMUTABLE LANGUAGE sql AS $$
        SELECT CASE
          WHEN minutes < 0 THEN 0
          WHEN minutes < 180 THEN minutes::int
          WHEN minutes < 1440 THEN (180 + (minutes - 180) / 15 * 15)::int
          WHEN minutes < 43200 THEN (minutes / 60 * 60)::int
          ELSE 43200 END $$;

      -- The rollup keys one fact counts in: its unit and each ancestor (by the unit's path) and
      -- everything (nil), each for its fraud type and for '*'; and its bank (with subtree nil).
      CREATE FUNCTION stats_expand(x stats_fact) RETURNS SETOF stats_fact STABLE LANGUAGE sql AS $$
        SELECT x.day, k.subtree, f.ft, k.bank, x.metric, x.n, x.fen
        FROM (
          SELECT a.id AS subtree, stats_none() AS bank
          FROM unnest(coalesce(
            (SELECT string_to_array(trim(BOTH '/' FROM u.path), '/')::uuid[] FROM units u WHERE u.id = x.unit_id),
            '{}') || stats_none()) AS a(id)
          UNION ALL
          SELECT stats_none(), x.bank_unit_id WHERE x.bank_unit_id <> stats_none()
        ) k, (VALUES (x.fraud_type), ('*')) f(ft) $$;

      -- Adds the facts in plus and subtracts those in minus, one upsert per key, in key order
      -- (concurrent writers lock rollup rows in the same order), by day and by month.
      CREATE FUNCTION stats_apply(minus stats_fact[], plus stats_fact[]) RETURNS void LANGUAGE sql AS $$
        WITH facts AS (
          SELECT day, unit_id, fraud_type, bank_unit_id, metric, -n AS n, -fen AS fen FROM unnest(minus)
          UNION ALL
          SELECT day, unit_id, fraud_type, bank_unit_id, metric, n, fen FROM unnest(plus)
        ), expanded AS (
          SELECT e.* FROM facts x,
            LATERAL stats_expand((x.day, x.unit_id, x.fraud_type, x.bank_unit_id, x.metric, x.n, x.fen)::stats_fact) e
        ), daily AS (
          INSERT INTO stats_daily AS r (day, subtree_id, fraud_type, bank_id, metric, n, fen)
          SELECT day, unit_id, fraud_type, bank_unit_id, metric, sum(n), sum(fen) FROM expanded
          GROUP BY unit_id, bank_unit_id, fraud_type, day, metric
          HAVING sum(n) <> 0 OR sum(fen) <> 0
          ORDER BY unit_id, bank_unit_id, fraud_type, day, metric
          ON CONFLICT (subtree_id, bank_id, fraud_type, day, metric)
          DO UPDATE SET n = r.n + EXCLUDED.n, fen = r.fen + EXCLUDED.fen
        )
        INSERT INTO stats_monthly AS r (day, subtree_id, fraud_type, bank_id, metric, n, fen)
        SELECT date_trunc('month', day)::date, unit_id, fraud_type, bank_unit_id, metric, sum(n), sum(fen)
        FROM expanded
        GROUP BY unit_id, bank_unit_id, fraud_type, date_trunc('month', day)::date, metric
        HAVING sum(n) <> 0 OR sum(fen) <> 0
        ORDER BY unit_id, bank_unit_id, fraud_type, date_trunc('month', day)::date, metric
        ON CONFLICT (subtree_id, bank_id, fraud_type, day, metric)
        DO UPDATE SET n = r.n + EXCLUDED.n, fen = r.fen + EXCLUDED.fen $$;

      -- Facts of one row of each source table ----------------------------------------------------

      CREATE FUNCTION stats_facts_cases(c cases) RETURNS SETOF stats_fact STABLE LANGUAGE sql AS $$
        SELECT stats_day(c.reported_at), c.unit_id, c.fraud_type, stats_none(), 'case:' || c.status, 1::bigint, c.loss_fen $$;

      CREATE FUNCTION stats_facts_freeze_orders(o freeze_orders) RETURNS SETOF stats_fact STABLE LANGUAGE sql AS $$
        SELECT stats_day(o.requested_at), o.unit_id, c.fraud_type, o.bank_unit_id, m.metric, 1::bigint, m.fen
        FROM cases c, LATERAL (VALUES
          ('requested', o.requested_fen),
          (CASE WHEN o.kind = 'stop_payment' THEN 'stopped' ELSE 'frozen' END, coalesce(o.frozen_fen, 0))
        ) m(metric, fen)
        WHERE c.id = o.case_id AND (m.metric = 'requested' OR m.fen > 0) $$;

      CREATE FUNCTION stats_facts_recoveries(r recoveries) RETURNS SETOF stats_fact STABLE LANGUAGE sql AS $$
        SELECT r.recovered_on, r.unit_id, c.fraud_type, o.bank_unit_id, 'recovered', 1::bigint, r.amount_fen
        FROM cases c, freeze_orders o WHERE c.id = r.case_id AND o.id = r.order_id $$;

      CREATE FUNCTION stats_facts_allocations(a allocations) RETURNS SETOF stats_fact STABLE LANGUAGE sql AS $$
        SELECT stats_day(a.confirmed_at), a.unit_id, c.fraud_type, stats_none(), 'allocated', 1::bigint, a.amount_fen
        FROM cases c WHERE c.id = a.case_id
        UNION ALL
        SELECT stats_day(a.signed_at), a.unit_id, c.fraud_type, stats_none(), 'returned', 1::bigint, a.amount_fen
        FROM cases c WHERE c.id = a.case_id AND a.signed_at IS NOT NULL $$;

      CREATE FUNCTION stats_facts_transfer_flags(f transfer_flags) RETURNS SETOF stats_fact STABLE LANGUAGE sql AS $$
        SELECT stats_day(f.created_at), stats_none(), '', f.bank_unit_id, 'flag', 1::bigint, f.amount_fen $$;

      CREATE FUNCTION stats_facts_transfer_hits(h transfer_hits) RETURNS SETOF stats_fact STABLE LANGUAGE sql AS $$
        SELECT stats_day(h.created_at), c.unit_id, c.fraud_type, f.bank_unit_id, 'hit', 1::bigint, f.amount_fen
        FROM cases c, transfer_flags f WHERE c.id = h.case_id AND f.id = h.flag_id $$;

      CREATE FUNCTION stats_facts_dissuasions(d dissuasions) RETURNS SETOF stats_fact STABLE LANGUAGE sql AS $$
        SELECT stats_day(d.created_at), d.unit_id, '', stats_none(), m.metric, 1::bigint, 0::bigint
        FROM (VALUES
          ('dissuasion:' || coalesce(d.outcome, 'open'), true),
          ('dissuasion_on_time', d.first_contact_at IS NOT NULL AND d.first_contact_at <= d.due_at)
        ) m(metric, counted)
        WHERE m.counted $$;

      CREATE FUNCTION stats_facts_warnings(w warnings) RETURNS SETOF stats_fact STABLE LANGUAGE sql AS $$
        SELECT stats_day(w.published_at), w.unit_id, w.fraud_type, stats_none(), 'warning_published', 1::bigint, 0::bigint
        WHERE w.published_at IS NOT NULL $$;

      CREATE FUNCTION stats_facts_deliveries(d deliveries) RETURNS SETOF stats_fact STABLE LANGUAGE sql AS $$
        SELECT stats_day(d.sent_at), co.community_id, w.fraud_type, stats_none(), m.metric, 1::bigint, 0::bigint
        FROM warnings w, coordinators co,
             LATERAL (VALUES ('delivery_sent'), ('delivery_acknowledged')) m(metric)
        WHERE w.id = d.warning_id AND co.id = d.coordinator_id AND d.kind = 'warning' AND d.sent_at IS NOT NULL
          AND (m.metric = 'delivery_sent' OR d.acknowledged_at IS NOT NULL) $$;

      -- Row triggers: old facts out, new facts in (TG_ARGV[0] names the facts function). -----------

      CREATE FUNCTION stats_row() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        minus stats_fact[] := '{}';
        plus stats_fact[] := '{}';
      BEGIN
        IF TG_OP <> 'INSERT' THEN
          EXECUTE format('SELECT coalesce(array_agg(f), ''{}'') FROM %I($1) f', TG_ARGV[0]) INTO minus USING OLD;
        END IF;
        IF TG_OP <> 'DELETE' THEN
          EXECUTE format('SELECT coalesce(array_agg(f), ''{}'') FROM %I($1) f', TG_ARGV[0]) INTO plus USING NEW;
        END IF;
        PERFORM stats_apply(minus, plus);
        RETURN NULL;
      END $$;

      -- Inserts: one upsert per key for the whole statement instead of one per row. Row triggers
      -- on a bulk insert (a bank's batch of 10,000 flags, a migration's or a fixture's rows) update
      -- the same few rollup rows once per source row inside one transaction, and each update walks
      -- the chain of versions the earlier ones left: quadratic in the statement's rows.
      CREATE FUNCTION stats_insert_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE plus stats_fact[];
      BEGIN
        EXECUTE format('SELECT coalesce(array_agg(f), ''{}'') FROM inserted i, LATERAL %I(i) f', TG_ARGV[0]) INTO plus;
        PERFORM stats_apply('{}', plus);
        RETURN NULL;
      END $$;

      -- Facts of the rows that take a key from a parent row (sign -1: out, +1: in).
      CREATE FUNCTION stats_dependents(parent text, pid uuid, sign int) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE facts stats_fact[];
      BEGIN
        IF parent = 'cases' THEN
          SELECT coalesce(array_agg(f), '{}') INTO facts FROM (
            SELECT f FROM freeze_orders o, LATERAL stats_facts_freeze_orders(o) f WHERE o.case_id = pid
            UNION ALL SELECT f FROM recoveries r, LATERAL stats_facts_recoveries(r) f WHERE r.case_id = pid
            UNION ALL SELECT f FROM allocations a, LATERAL stats_facts_allocations(a) f WHERE a.case_id = pid
            UNION ALL SELECT f FROM transfer_hits h, LATERAL stats_facts_transfer_hits(h) f WHERE h.case_id = pid
          ) x;
        ELSIF parent = 'transfer_flags' THEN
          SELECT coalesce(array_agg(f), '{}') INTO facts
          FROM transfer_hits h, LATERAL stats_facts_transfer_hits(h) f WHERE h.flag_id = pid;
        ELSIF parent = 'warnings' THEN
          SELECT coalesce(array_agg(f), '{}') INTO facts
          FROM deliveries d, LATERAL stats_facts_deliveries(d) f WHERE d.warning_id = pid;
        ELSIF parent = 'coordinators' THEN
          SELECT coalesce(array_agg(f), '{}') INTO facts
          FROM deliveries d, LATERAL stats_facts_deliveries(d) f WHERE d.coordinator_id = pid;
        END IF;
        IF sign < 0 THEN PERFORM stats_apply(facts, '{}'); ELSE PERFORM stats_apply('{}', facts); END IF;
      END $$;

      -- BEFORE a parent's key changes (or it is deleted): its dependents' facts out, while they still
      -- read the old key; AFTER the change: back in with the new one. Cascaded deletes of the
      -- dependents then find no parent and contribute nothing, so nothing is subtracted twice.
      CREATE FUNCTION stats_parent_before() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM stats_dependents(TG_TABLE_NAME, OLD.id, -1);
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$;
      CREATE FUNCTION stats_parent_after() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM stats_dependents(TG_TABLE_NAME, NEW.id, 1);
        RETURN NULL;
      END $$;

      -- Golden hour: one row per case with an order; the histogram follows it. Idempotent (compares
      -- with what is stored), so it may run once per changed row of a multi-row statement.
      CREATE FUNCTION stats_refresh_golden(cid uuid) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        cur stats_case_golden;
        nxt stats_case_golden;
      BEGIN
        IF cid IS NULL THEN RETURN; END IF;
        SELECT * INTO cur FROM stats_case_golden WHERE case_id = cid FOR UPDATE;
        SELECT c.id, stats_day(c.reported_at), c.unit_id, c.fraud_type,
               stats_golden_bucket(floor(extract(epoch FROM o.first_at - c.reported_at) / 60)::bigint)
          INTO nxt
          FROM cases c, LATERAL (SELECT min(requested_at) AS first_at FROM freeze_orders WHERE case_id = c.id) o
          WHERE c.id = cid AND o.first_at IS NOT NULL;
        IF cur IS NOT DISTINCT FROM nxt THEN RETURN; END IF;
        PERFORM stats_apply(
          CASE WHEN cur.case_id IS NULL THEN '{}'::stats_fact[] ELSE
            ARRAY[(cur.day, cur.unit_id, cur.fraud_type, stats_none(), 'golden:' || cur.bucket, 1, 0)::stats_fact] END,
          CASE WHEN nxt.case_id IS NULL THEN '{}'::stats_fact[] ELSE
            ARRAY[(nxt.day, nxt.unit_id, nxt.fraud_type, stats_none(), 'golden:' || nxt.bucket, 1, 0)::stats_fact] END);
        IF nxt.case_id IS NULL THEN
          DELETE FROM stats_case_golden WHERE case_id = cid;
        ELSE
          INSERT INTO stats_case_golden VALUES (nxt.case_id, nxt.day, nxt.unit_id, nxt.fraud_type, nxt.bucket)
          ON CONFLICT (case_id) DO UPDATE SET day = EXCLUDED.day, unit_id = EXCLUDED.unit_id,
            fraud_type = EXCLUDED.fraud_type, bucket = EXCLUDED.bucket;
        END IF;
      END $$;
      CREATE FUNCTION stats_golden_row() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'cases' THEN
          PERFORM stats_refresh_golden(CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
        ELSE
          IF TG_OP <> 'INSERT' THEN PERFORM stats_refresh_golden(OLD.case_id); END IF;
          IF TG_OP <> 'DELETE' THEN PERFORM stats_refresh_golden(NEW.case_id); END IF;
        END IF;
        RETURN NULL;
      END $$;

      -- Wiring -----------------------------------------------------------------------------------

      CREATE TRIGGER stats_insert AFTER INSERT ON cases REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION stats_insert_stmt('stats_facts_cases');
      CREATE TRIGGER stats_row AFTER UPDATE OR DELETE ON cases
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_cases');
      CREATE TRIGGER stats_parent_before BEFORE UPDATE ON cases FOR EACH ROW
        WHEN (OLD.fraud_type IS DISTINCT FROM NEW.fraud_type OR OLD.unit_id IS DISTINCT FROM NEW.unit_id)
        EXECUTE FUNCTION stats_parent_before();
      CREATE TRIGGER stats_parent_delete BEFORE DELETE ON cases
        FOR EACH ROW EXECUTE FUNCTION stats_parent_before();
      CREATE TRIGGER stats_parent_after AFTER UPDATE ON cases FOR EACH ROW
        WHEN (OLD.fraud_type IS DISTINCT FROM NEW.fraud_type OR OLD.unit_id IS DISTINCT FROM NEW.unit_id)
        EXECUTE FUNCTION stats_parent_after();
      CREATE TRIGGER stats_golden AFTER UPDATE OF reported_at, fraud_type, unit_id OR DELETE ON cases
        FOR EACH ROW EXECUTE FUNCTION stats_golden_row();

      CREATE TRIGGER stats_insert AFTER INSERT ON freeze_orders REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION stats_insert_stmt('stats_facts_freeze_orders');
      CREATE TRIGGER stats_row AFTER UPDATE OR DELETE ON freeze_orders
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_freeze_orders');
      CREATE TRIGGER stats_golden AFTER INSERT OR UPDATE OF requested_at, case_id OR DELETE ON freeze_orders
        FOR EACH ROW EXECUTE FUNCTION stats_golden_row();

      CREATE TRIGGER stats_insert AFTER INSERT ON recoveries REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION stats_insert_stmt('stats_facts_recoveries');
      CREATE TRIGGER stats_row AFTER UPDATE OR DELETE ON recoveries
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_recoveries');
      CREATE TRIGGER stats_insert AFTER INSERT ON allocations REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION stats_insert_stmt('stats_facts_allocations');
      CREATE TRIGGER stats_row AFTER UPDATE OR DELETE ON allocations
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_allocations');

      CREATE TRIGGER stats_insert AFTER INSERT ON transfer_flags REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION stats_insert_stmt('stats_facts_transfer_flags');
      CREATE TRIGGER stats_row AFTER UPDATE OR DELETE ON transfer_flags
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_transfer_flags');
      CREATE TRIGGER stats_parent_before BEFORE UPDATE ON transfer_flags FOR EACH ROW
        WHEN (OLD.bank_unit_id IS DISTINCT FROM NEW.bank_unit_id OR OLD.amount_fen IS DISTINCT FROM NEW.amount_fen)
        EXECUTE FUNCTION stats_parent_before();
      CREATE TRIGGER stats_parent_delete BEFORE DELETE ON transfer_flags
        FOR EACH ROW EXECUTE FUNCTION stats_parent_before();
      CREATE TRIGGER stats_parent_after AFTER UPDATE ON transfer_flags FOR EACH ROW
        WHEN (OLD.bank_unit_id IS DISTINCT FROM NEW.bank_unit_id OR OLD.amount_fen IS DISTINCT FROM NEW.amount_fen)
        EXECUTE FUNCTION stats_parent_after();

      CREATE TRIGGER stats_insert AFTER INSERT ON transfer_hits REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION stats_insert_stmt('stats_facts_transfer_hits');
      CREATE TRIGGER stats_row AFTER UPDATE OR DELETE ON transfer_hits
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_transfer_hits');

      CREATE TRIGGER stats_insert AFTER INSERT ON dissuasions REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION stats_insert_stmt('stats_facts_dissuasions');
      CREATE TRIGGER stats_row AFTER UPDATE OR DELETE ON dissuasions
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_dissuasions');

      CREATE TRIGGER stats_row AFTER INSERT OR UPDATE OR DELETE ON warnings
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_warnings');
      CREATE TRIGGER stats_parent_before BEFORE UPDATE ON warnings FOR EACH ROW
        WHEN (OLD.fraud_type IS DISTINCT FROM NEW.fraud_type)
        EXECUTE FUNCTION stats_parent_before();
      CREATE TRIGGER stats_parent_delete BEFORE DELETE ON warnings
        FOR EACH ROW EXECUTE FUNCTION stats_parent_before();
      CREATE TRIGGER stats_parent_after AFTER UPDATE ON warnings FOR EACH ROW
        WHEN (OLD.fraud_type IS DISTINCT FROM NEW.fraud_type)
        EXECUTE FUNCTION stats_parent_after();

      CREATE TRIGGER stats_insert AFTER INSERT ON deliveries REFERENCING NEW TABLE AS inserted
        FOR EACH STATEMENT EXECUTE FUNCTION stats_insert_stmt('stats_facts_deliveries');
      CREATE TRIGGER stats_row AFTER UPDATE OR DELETE ON deliveries
        FOR EACH ROW EXECUTE FUNCTION stats_row('stats_facts_deliveries');
      CREATE TRIGGER stats_parent_before BEFORE UPDATE ON coordinators FOR EACH ROW
        WHEN (OLD.community_id IS DISTINCT FROM NEW.community_id)
        EXECUTE FUNCTION stats_parent_before();
      CREATE TRIGGER stats_parent_delete BEFORE DELETE ON coordinators
        FOR EACH ROW EXECUTE FUNCTION stats_parent_before();
      CREATE TRIGGER stats_parent_after AFTER UPDATE ON coordinators FOR EACH ROW
        WHEN (OLD.community_id IS DISTINCT FROM NEW.community_id)
        EXECUTE FUNCTION stats_parent_after();

      -- Everything from the source rows: the backfill, after bulk loads made with triggers off, and
      -- when a unit moves in the tree (its ancestors change).
      CREATE FUNCTION stats_rebuild() RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM stats_daily;
        DELETE FROM stats_monthly;
        DELETE FROM stats_case_golden;
        INSERT INTO stats_case_golden (case_id, day, unit_id, fraud_type, bucket)
        SELECT c.id, stats_day(c.reported_at), c.unit_id, c.fraud_type,
               stats_golden_bucket(floor(extract(epoch FROM o.first_at - c.reported_at) / 60)::bigint)
        FROM cases c JOIN (SELECT case_id, min(requested_at) AS first_at FROM freeze_orders GROUP BY case_id) o
          ON o.case_id = c.id;
        CREATE TEMP TABLE stats_facts_all ON COMMIT DROP AS
        SELECT day, unit_id, fraud_type, bank_unit_id, metric, sum(n) AS n, sum(fen) AS fen FROM (
          SELECT f.* FROM cases c, LATERAL stats_facts_cases(c) f
          UNION ALL SELECT f.* FROM freeze_orders o, LATERAL stats_facts_freeze_orders(o) f
          UNION ALL SELECT f.* FROM recoveries r, LATERAL stats_facts_recoveries(r) f
          UNION ALL SELECT f.* FROM allocations a, LATERAL stats_facts_allocations(a) f
          UNION ALL SELECT f.* FROM transfer_flags t, LATERAL stats_facts_transfer_flags(t) f
          UNION ALL SELECT f.* FROM transfer_hits h, LATERAL stats_facts_transfer_hits(h) f
          UNION ALL SELECT f.* FROM dissuasions d, LATERAL stats_facts_dissuasions(d) f
          UNION ALL SELECT f.* FROM warnings w, LATERAL stats_facts_warnings(w) f
          UNION ALL SELECT f.* FROM deliveries d, LATERAL stats_facts_deliveries(d) f
          UNION ALL SELECT g.day, g.unit_id, g.fraud_type, stats_none(), 'golden:' || g.bucket, 1::bigint, 0::bigint
            FROM stats_case_golden g
        ) x
        GROUP BY day, unit_id, fraud_type, bank_unit_id, metric;
        INSERT INTO stats_daily (day, subtree_id, fraud_type, bank_id, metric, n, fen)
        SELECT e.day, e.unit_id, e.fraud_type, e.bank_unit_id, e.metric, sum(e.n), sum(e.fen)
        FROM stats_facts_all x, LATERAL stats_expand((x.day, x.unit_id, x.fraud_type, x.bank_unit_id, x.metric, x.n, x.fen)::stats_fact) e
        GROUP BY 1, 2, 3, 4, 5;
        INSERT INTO stats_monthly (day, subtree_id, fraud_type, bank_id, metric, n, fen)
        SELECT date_trunc('month', day)::date, subtree_id, fraud_type, bank_id, metric, sum(n), sum(fen)
        FROM stats_daily GROUP BY 1, 2, 3, 4, 5;
        DROP TABLE stats_facts_all;
      END $$;
      CREATE FUNCTION stats_units_moved() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM stats_rebuild();
        RETURN NULL;
      END $$;
      CREATE TRIGGER stats_units_moved AFTER UPDATE OF path ON units
        FOR EACH STATEMENT EXECUTE FUNCTION stats_units_moved();
      SELECT stats_rebuild();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER stats_row ON cases; DROP TRIGGER stats_parent_before ON cases;
      DROP TRIGGER stats_parent_delete ON cases; DROP TRIGGER stats_parent_delete ON transfer_flags;
      DROP TRIGGER stats_parent_delete ON warnings; DROP TRIGGER stats_parent_delete ON coordinators;
      DROP TRIGGER stats_parent_after ON cases; DROP TRIGGER stats_golden ON cases;
      DROP TRIGGER stats_row ON freeze_orders; DROP TRIGGER stats_golden ON freeze_orders;
      DROP TRIGGER stats_row ON recoveries; DROP TRIGGER stats_row ON allocations;
      DROP TRIGGER stats_insert ON transfer_flags; DROP TRIGGER stats_row ON transfer_flags;
      DROP TRIGGER stats_parent_before ON transfer_flags; DROP TRIGGER stats_parent_after ON transfer_flags;
      DROP TRIGGER stats_insert ON transfer_hits; DROP TRIGGER stats_row ON transfer_hits;
      DROP TRIGGER stats_insert ON dissuasions; DROP TRIGGER stats_row ON dissuasions;
      DROP TRIGGER stats_row ON warnings; DROP TRIGGER stats_parent_before ON warnings;
      DROP TRIGGER stats_parent_after ON warnings;
      DROP TRIGGER stats_insert ON cases; DROP TRIGGER stats_insert ON freeze_orders;
      DROP TRIGGER stats_insert ON recoveries; DROP TRIGGER stats_insert ON allocations;
      DROP TRIGGER stats_insert ON deliveries; DROP TRIGGER stats_row ON deliveries;
      DROP TRIGGER stats_parent_before ON coordinators; DROP TRIGGER stats_parent_after ON coordinators;
      DROP TRIGGER stats_units_moved ON units; DROP FUNCTION stats_units_moved(); DROP FUNCTION stats_rebuild(); DROP FUNCTION stats_golden_row(); DROP FUNCTION stats_refresh_golden(uuid);
      DROP FUNCTION stats_parent_after(); DROP FUNCTION stats_parent_before();
      DROP FUNCTION stats_dependents(text, uuid, int); DROP FUNCTION stats_insert_stmt(); DROP FUNCTION stats_row();
      DROP FUNCTION stats_facts_deliveries(deliveries); DROP FUNCTION stats_facts_warnings(warnings);
      DROP FUNCTION stats_facts_dissuasions(dissuasions); DROP FUNCTION stats_facts_transfer_hits(transfer_hits);
      DROP FUNCTION stats_facts_transfer_flags(transfer_flags); DROP FUNCTION stats_facts_allocations(allocations);
      DROP FUNCTION stats_facts_recoveries(recoveries); DROP FUNCTION stats_facts_freeze_orders(freeze_orders);
      DROP FUNCTION stats_facts_cases(cases); DROP FUNCTION stats_apply(stats_fact[], stats_fact[]); DROP FUNCTION stats_expand(stats_fact);
      DROP FUNCTION stats_golden_bucket(bigint); DROP FUNCTION stats_day(timestamptz); DROP FUNCTION stats_none();
      DROP TYPE stats_fact; DROP TABLE stats_case_golden; CREATE INDEX freeze_orders_case_idx ON freeze_orders (case_id); DROP INDEX freeze_orders_case_requested_idx; DROP TABLE stats_monthly; DROP TABLE stats_daily;
    `);
  }
}
