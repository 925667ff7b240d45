import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stop-payment and freeze orders (止付 / 冻结) with their events, recoveries (追回) into custody,
 * allocations (返还分配) to victims with their public-notice proposals (公示), and returned-money
 * ceremonies (发还仪式).
 *
 * Money limits live here, not only in the service: an order's recovered_fen (kept by a trigger on
 * recoveries, under the order's row lock) never passes its frozen_fen, a recovery's allocated_fen
 * never passes its amount, and a victim never gets back more than the victim's traced loss (checked
 * by a trigger under a per-victim advisory lock, so concurrent confirmations cannot both slip by).
 */
export class Recoveries1732700000000 implements MigrationInterface {
  name = 'Recoveries1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE freeze_orders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('stop_payment','freeze')),
        status text NOT NULL DEFAULT 'requested'
          CHECK (status IN ('requested','frozen','partially_frozen','rejected','released','expired','converted')),
        case_id uuid NOT NULL REFERENCES cases(id),
        identifier_id uuid NOT NULL REFERENCES identifiers(id),
        -- The owning police unit (the case's) and the bank (unit of kind 'bank') asked.
        unit_id uuid NOT NULL REFERENCES units(id),
        bank_unit_id uuid NOT NULL REFERENCES units(id),
        officer_id uuid REFERENCES users(id),
        major_case boolean NOT NULL DEFAULT false,
        requested_fen bigint NOT NULL CHECK (requested_fen > 0),
        frozen_fen bigint CHECK (frozen_fen >= 0 AND frozen_fen <= requested_fen),
        recovered_fen bigint NOT NULL DEFAULT 0 CHECK (recovered_fen >= 0),
        reject_reason text CHECK (length(reject_reason) BETWEEN 1 AND 1000),
        note text CHECK (length(note) <= 1000),
        case_reported_at timestamptz NOT NULL,
        requested_at timestamptz NOT NULL,
        answered_at timestamptz,
        expires_at timestamptz,
        remind_at timestamptz,
        reminded_at timestamptz,
        renewals integer NOT NULL DEFAULT 0 CHECK (renewals >= 0),
        converted_from_id uuid UNIQUE REFERENCES freeze_orders(id),
        -- Bumped whenever the expiry job is (re)scheduled; a job of an older generation does nothing.
        expiry_gen integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (recovered_fen <= coalesce(frozen_fen, 0)),
        CHECK ((status = 'rejected') = (reject_reason IS NOT NULL)),
        CHECK (status IN ('requested','rejected') OR (answered_at IS NOT NULL AND expires_at IS NOT NULL AND frozen_fen > 0)),
        CHECK (status <> 'converted' OR kind = 'stop_payment'),
        CHECK (converted_from_id IS NULL OR kind = 'freeze')
      );
      CREATE INDEX freeze_orders_unit_idx ON freeze_orders (unit_id, created_at DESC, id DESC);
      CREATE INDEX freeze_orders_bank_idx ON freeze_orders (bank_unit_id, created_at DESC, id DESC);
      CREATE INDEX freeze_orders_case_idx ON freeze_orders (case_id);
      CREATE INDEX freeze_orders_identifier_idx ON freeze_orders (identifier_id, kind);
      -- One live order of each kind per account: a second request waits until the first ends.
      CREATE UNIQUE INDEX freeze_orders_one_live_idx ON freeze_orders (identifier_id, kind)
        WHERE status IN ('requested','frozen','partially_frozen');
      CREATE INDEX freeze_orders_live_expiry_idx ON freeze_orders (expires_at)
        WHERE status IN ('frozen','partially_frozen');

      CREATE TABLE freeze_order_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id uuid NOT NULL REFERENCES freeze_orders(id) ON DELETE CASCADE,
        action text NOT NULL
          CHECK (action IN ('request','answer','renew','release','convert','expire','remind')),
        from_status text,
        to_status text NOT NULL,
        actor_kind text NOT NULL CHECK (actor_kind IN ('user','api_key','system')),
        actor_id uuid,
        details jsonb NOT NULL DEFAULT '{}',
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX freeze_order_events_order_idx ON freeze_order_events (order_id, created_at);

      CREATE TABLE recoveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        order_id uuid NOT NULL REFERENCES freeze_orders(id),
        case_id uuid NOT NULL REFERENCES cases(id),
        unit_id uuid NOT NULL REFERENCES units(id),
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        allocated_fen bigint NOT NULL DEFAULT 0 CHECK (allocated_fen >= 0),
        recovered_on date NOT NULL,
        legal_basis text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 500),
        custody_account text CHECK (length(custody_account) <= 100),
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CHECK (allocated_fen <= amount_fen)
      );
      CREATE INDEX recoveries_order_idx ON recoveries (order_id);
      CREATE INDEX recoveries_unit_idx ON recoveries (unit_id, created_at DESC, id DESC);

      -- Σ recoveries of an order ≤ its frozen_fen: the UPDATE takes the order's row lock, so
      -- concurrent recoveries line up and the CHECK on freeze_orders sees each one's total.
      CREATE FUNCTION recoveries_add_to_order() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE freeze_orders SET recovered_fen = recovered_fen + NEW.amount_fen, updated_at = now()
        WHERE id = NEW.order_id;
        RETURN NEW;
      END $$;
      CREATE TRIGGER recoveries_add_to_order AFTER INSERT ON recoveries
        FOR EACH ROW EXECUTE FUNCTION recoveries_add_to_order();
      CREATE FUNCTION recoveries_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.amount_fen <> OLD.amount_fen OR NEW.order_id <> OLD.order_id THEN
          RAISE EXCEPTION 'a recovery''s amount and order never change';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER recoveries_immutable BEFORE UPDATE ON recoveries
        FOR EACH ROW EXECUTE FUNCTION recoveries_immutable();

      -- 公示: a proposed split, stored so its notice period can run; confirmed into allocations.
      CREATE TABLE allocation_proposals (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        recovery_id uuid NOT NULL REFERENCES recoveries(id),
        method text NOT NULL CHECK (method IN ('single_victim','traced_transfer','pro_rata')),
        status text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed','confirmed','superseded')),
        parts jsonb NOT NULL,
        total_fen bigint NOT NULL CHECK (total_fen > 0),
        proposed_at timestamptz NOT NULL,
        notice_ends_at timestamptz,
        confirmed_at timestamptz,
        proposed_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        CHECK ((method = 'pro_rata') = (notice_ends_at IS NOT NULL)),
        CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
      );
      CREATE UNIQUE INDEX allocation_proposals_open_idx ON allocation_proposals (recovery_id)
        WHERE status = 'proposed';

      CREATE TABLE ceremonies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
        held_on date NOT NULL,
        venue text NOT NULL CHECK (length(venue) BETWEEN 1 AND 200),
        host_unit_id uuid NOT NULL REFERENCES units(id),
        created_by uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX ceremonies_unit_idx ON ceremonies (host_unit_id, held_on DESC, id DESC);

      CREATE TABLE allocations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        recovery_id uuid NOT NULL REFERENCES recoveries(id),
        proposal_id uuid NOT NULL REFERENCES allocation_proposals(id),
        victim_id uuid NOT NULL REFERENCES victims(id),
        case_id uuid NOT NULL REFERENCES cases(id),
        unit_id uuid NOT NULL REFERENCES units(id),
        method text NOT NULL CHECK (method IN ('single_victim','traced_transfer','pro_rata')),
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        confirmed_at timestamptz NOT NULL,
        -- An allocation is returned at most once: at one ceremony, signed for once.
        ceremony_id uuid REFERENCES ceremonies(id),
        signed_at timestamptz,
        signed_by_user uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        UNIQUE (proposal_id, victim_id),
        CHECK (signed_at IS NULL OR ceremony_id IS NOT NULL)
      );
      CREATE INDEX allocations_recovery_idx ON allocations (recovery_id);
      CREATE INDEX allocations_victim_idx ON allocations (victim_id);
      CREATE INDEX allocations_ceremony_idx ON allocations (ceremony_id);
      CREATE INDEX allocations_unit_idx ON allocations (unit_id);

      -- Σ allocations ≤ recovery, and never more to a victim than the victim's traced loss.
      CREATE FUNCTION allocations_check_limits() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        loss bigint;
        returned bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('jw:allocation-victim'), hashtext(NEW.victim_id::text));
        SELECT coalesce(sum(amount_fen), 0) INTO loss FROM victim_transfers WHERE victim_id = NEW.victim_id;
        SELECT coalesce(sum(amount_fen), 0) INTO returned FROM allocations WHERE victim_id = NEW.victim_id;
        IF returned + NEW.amount_fen > loss THEN
          RAISE EXCEPTION 'allocation exceeds the victim''s loss not yet returned'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'allocations_victim_loss';
        END IF;
        UPDATE recoveries SET allocated_fen = allocated_fen + NEW.amount_fen WHERE id = NEW.recovery_id;
        RETURN NEW;
      END $$;
      CREATE TRIGGER allocations_check_limits BEFORE INSERT ON allocations
        FOR EACH ROW EXECUTE FUNCTION allocations_check_limits();
      CREATE FUNCTION allocations_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.amount_fen <> OLD.amount_fen OR NEW.victim_id <> OLD.victim_id
           OR NEW.recovery_id <> OLD.recovery_id THEN
          RAISE EXCEPTION 'an allocation''s amount, victim and recovery never change';
        END IF;
        IF OLD.ceremony_id IS NOT NULL AND NEW.ceremony_id IS DISTINCT FROM OLD.ceremony_id THEN
          RAISE EXCEPTION 'an allocation is returned at most once' USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.signed_at IS NOT NULL AND NEW.signed_at IS DISTINCT FROM OLD.signed_at THEN
          RAISE EXCEPTION 'an allocation is signed for at most once' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER allocations_immutable BEFORE UPDATE ON allocations
        FOR EACH ROW EXECUTE FUNCTION allocations_immutable();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE allocations; DROP FUNCTION allocations_check_limits(); DROP FUNCTION allocations_immutable();
      DROP TABLE ceremonies; DROP TABLE allocation_proposals;
      DROP TABLE recoveries; DROP FUNCTION recoveries_add_to_order(); DROP FUNCTION recoveries_immutable();
      DROP TABLE freeze_order_events; DROP TABLE freeze_orders;
    `);
  }
}
