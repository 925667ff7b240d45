import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Alerts (预警): scam-pattern warnings with four-eyes approval, the coordinators of community WeChat
 * groups (群协调员) and their channels, and one delivery row per (warning, coordinator, kind) — the
 * row, not a job id, is what makes a message go out once.
 */
export class Alerts1732800000000 implements MigrationInterface {
  name = 'Alerts1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE warnings (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
        fraud_type text NOT NULL REFERENCES fraud_types(code),
        severity text NOT NULL CHECK (severity IN ('extreme','severe','moderate','minor')),
        status text NOT NULL DEFAULT 'draft'
          CHECK (status IN ('draft','approved','scheduled','published','withdrawn')),
        -- The unit that owns the warning (the author's unit); scope of reads and writes.
        unit_id uuid NOT NULL REFERENCES units(id),
        author_id uuid REFERENCES users(id),
        -- Set by the trend scan when it drafted the warning (no human author).
        source text NOT NULL DEFAULT 'manual' CHECK (source IN ('manual','trend_scan')),
        trend_key text UNIQUE,
        approved_by uuid REFERENCES users(id),
        approved_at timestamptz,
        publish_at timestamptz,
        published_at timestamptz,
        fanned_out_at timestamptz,
        withdrawn_by uuid REFERENCES users(id),
        withdrawn_at timestamptz,
        withdraw_reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        -- Four-eyes: whoever approves is not who wrote it.
        CHECK (approved_by IS NULL OR author_id IS NULL OR approved_by <> author_id),
        CHECK (status IN ('draft') OR approved_by IS NOT NULL),
        CHECK (status <> 'published' OR published_at IS NOT NULL),
        CHECK (status <> 'withdrawn' OR withdrawn_at IS NOT NULL)
      );
      CREATE INDEX warnings_unit_idx ON warnings (unit_id, created_at DESC, id DESC);
      CREATE INDEX warnings_created_idx ON warnings (created_at DESC, id DESC);

      -- Target units: communities, or a station / sub-bureau meaning every community under it.
      CREATE TABLE warning_targets (
        warning_id uuid NOT NULL REFERENCES warnings(id) ON DELETE CASCADE,
        unit_id uuid NOT NULL REFERENCES units(id),
        PRIMARY KEY (warning_id, unit_id)
      );

      CREATE TABLE coordinators (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        phone text NOT NULL CHECK (phone ~ '^1[3-9][0-9]{9}$'),
        community_id uuid NOT NULL REFERENCES units(id),
        group_name text NOT NULL CHECK (length(group_name) BETWEEN 1 AND 100),
        group_size integer NOT NULL DEFAULT 0 CHECK (group_size BETWEEN 0 AND 100000),
        channel text NOT NULL CHECK (channel IN ('wecom_bot','webhook','manual')),
        -- wecom_bot: the full webhook URL (its key is the secret), encrypted; webhook: the URL.
        webhook_url_enc text,
        webhook_url_masked text,
        -- sha256 of the robot's key: the rate-limit key shared by every coordinator on that robot.
        robot_key_hash text,
        -- webhook: the HMAC secret, encrypted; never returned.
        webhook_secret_enc text,
        enabled boolean NOT NULL DEFAULT true,
        channel_broken_at timestamptz,
        channel_broken_reason text,
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (channel <> 'wecom_bot' OR (webhook_url_enc IS NOT NULL AND robot_key_hash IS NOT NULL)),
        CHECK (channel <> 'webhook' OR (webhook_url_enc IS NOT NULL AND webhook_secret_enc IS NOT NULL))
      );
      CREATE INDEX coordinators_community_idx ON coordinators (community_id) WHERE enabled;
      CREATE INDEX coordinators_created_idx ON coordinators (created_at DESC, id DESC);
      -- Demo seeds and re-imports name a coordinator by (community, group name).
      CREATE UNIQUE INDEX coordinators_group_uq ON coordinators (community_id, group_name);

      CREATE TABLE deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        warning_id uuid NOT NULL REFERENCES warnings(id) ON DELETE CASCADE,
        coordinator_id uuid NOT NULL REFERENCES coordinators(id),
        -- 'warning': the warning itself; 'withdrawal': the short notice after a withdraw.
        kind text NOT NULL DEFAULT 'warning' CHECK (kind IN ('warning','withdrawal')),
        channel text NOT NULL CHECK (channel IN ('wecom_bot','webhook','manual')),
        status text NOT NULL DEFAULT 'queued'
          CHECK (status IN ('queued','sending','sent','failed','acknowledged','cancelled')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        last_error text,
        -- When its job is expected to run (postponed by backoff or the robot's budget); the sweeper
        -- re-enqueues rows long past it (a job lost with a queue store that kept no data).
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        claimed_at timestamptz,
        sent_at timestamptz,
        acknowledged_at timestamptz,
        acknowledged_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (warning_id, coordinator_id, kind),
        CHECK (status <> 'sending' OR claimed_at IS NOT NULL),
        CHECK (status NOT IN ('sent','acknowledged') OR sent_at IS NOT NULL),
        CHECK (status <> 'acknowledged' OR acknowledged_at IS NOT NULL)
      );
      CREATE INDEX deliveries_warning_idx ON deliveries (warning_id, status);
      CREATE INDEX deliveries_coordinator_idx ON deliveries (coordinator_id, status);
      CREATE INDEX deliveries_pending_idx ON deliveries (next_attempt_at)
        WHERE status IN ('queued','sending') AND channel <> 'manual';

      -- A sliding log of sends per WeCom robot (20 a minute), shared by every worker.
      CREATE TABLE robot_send_log (
        robot_key_hash text PRIMARY KEY,
        sends timestamptz[] NOT NULL DEFAULT '{}'
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE robot_send_log; DROP TABLE deliveries; DROP TABLE coordinators;
      DROP TABLE warning_targets; DROP TABLE warnings;
    `);
  }
}
