import { MigrationInterface, QueryRunner } from 'typeorm';

/** Identity, audit chain, outbox, rate-limit windows, notifications, seed bookkeeping. */
export class Foundation1732300000000 implements MigrationInterface {
  name = 'Foundation1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE units (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        parent_id uuid REFERENCES units(id),
        kind text NOT NULL CHECK (kind IN ('city_bureau','sub_bureau','brigade','station','community','bank','bank_branch')),
        code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{0,31}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        path text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX units_path_idx ON units (path text_pattern_ops);
      CREATE INDEX units_parent_idx ON units (parent_id);

      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL CHECK (username ~ '^[a-z0-9._-]{3,64}$'),
        display_name text NOT NULL,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin','supervisor','officer','bank_liaison','community_police')),
        unit_id uuid NOT NULL REFERENCES units(id),
        phone text,
        disabled_at timestamptz,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX users_username_key ON users (username);
      CREATE INDEX users_unit_idx ON users (unit_id);

      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        unit_id uuid NOT NULL REFERENCES units(id),
        name text NOT NULL,
        key_prefix text NOT NULL UNIQUE,
        key_hash text NOT NULL,
        created_by uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        last_used_at timestamptz
      );
      CREATE INDEX api_keys_unit_idx ON api_keys (unit_id);

      CREATE TABLE audit_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        actor_kind text NOT NULL CHECK (actor_kind IN ('user','api_key','system','anonymous')),
        actor_id uuid,
        actor_role text,
        actor_unit_id uuid,
        action text NOT NULL,
        entity text NOT NULL,
        entity_id text,
        request_id text,
        ip text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        prev_hash text NOT NULL,
        hash text NOT NULL
      );
      CREATE INDEX audit_events_entity_idx ON audit_events (entity, entity_id);
      CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, occurred_at);

      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

      CREATE TABLE outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        queue text NOT NULL,
        job_name text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        available_at timestamptz NOT NULL DEFAULT now(),
        delay_ms integer NOT NULL DEFAULT 0 CHECK (delay_ms >= 0),
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        sent_at timestamptz
      );
      CREATE INDEX outbox_pending_idx ON outbox (available_at, id) WHERE sent_at IS NULL;
      CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('outbox_new', '');
        RETURN NULL;
      END $$;
      CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
        FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

      CREATE TABLE rate_limit_windows (
        key text NOT NULL,
        window_start timestamptz NOT NULL,
        count integer NOT NULL,
        PRIMARY KEY (key, window_start)
      );

      CREATE TABLE notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id),
        event_id bigint NOT NULL,
        kind text NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        entity text,
        entity_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz,
        UNIQUE (event_id, user_id)
      );
      CREATE INDEX notifications_user_idx ON notifications (user_id, created_at DESC, id DESC);

      CREATE TABLE seed_runs (
        name text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE seed_runs; DROP TABLE notifications; DROP TABLE rate_limit_windows;
      DROP TABLE outbox; DROP FUNCTION outbox_notify();
      DROP TABLE audit_events; DROP FUNCTION audit_events_append_only();
      DROP TABLE api_keys; DROP TABLE users; DROP TABLE units;
    `);
  }
}
