import { MigrationInterface, QueryRunner } from 'typeorm';
import { FRAUD_TYPES } from '../../../cases/fraud-types/fraud-types.js';

/**
 * Cases (案件), victims with encrypted PII, shared identifiers (涉案标识) linked through case rows,
 * victim transfers, status transitions and notes. `cases.loss_fen` is kept equal to the sum of the
 * case's transfers by a trigger, so it always agrees with them.
 */
export class Cases1732400000000 implements MigrationInterface {
  name = 'Cases1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE EXTENSION IF NOT EXISTS pg_trgm;

      CREATE TABLE fraud_types (
        code text PRIMARY KEY,
        label_zh text NOT NULL,
        label_en text NOT NULL,
        valid_from integer NOT NULL,
        valid_to integer,
        typical_script text NOT NULL,
        CHECK (valid_to IS NULL OR valid_to >= valid_from)
      );

      CREATE TABLE case_sequences (
        unit_id uuid NOT NULL REFERENCES units(id),
        year integer NOT NULL,
        last_seq integer NOT NULL,
        PRIMARY KEY (unit_id, year)
      );

      CREATE TABLE cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_no text NOT NULL UNIQUE,
        fraud_type text NOT NULL REFERENCES fraud_types(code),
        status text NOT NULL DEFAULT 'reported'
          CHECK (status IN ('reported','registered','investigating','solved','closed','rejected','suspended')),
        summary text NOT NULL,
        reported_at timestamptz NOT NULL,
        occurred_at timestamptz,
        unit_id uuid NOT NULL REFERENCES units(id),
        officer_id uuid REFERENCES users(id),
        loss_fen bigint NOT NULL DEFAULT 0 CHECK (loss_fen >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX cases_unit_reported_idx ON cases (unit_id, reported_at DESC, id DESC);
      CREATE INDEX cases_reported_idx ON cases (reported_at DESC, id DESC);
      CREATE INDEX cases_summary_trgm_idx ON cases USING gin (summary gin_trgm_ops);

      CREATE TABLE victims (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        name_enc text NOT NULL,
        id_number_enc text,
        phone_enc text,
        address_enc text,
        id_number_bidx text,
        phone_bidx text,
        community_unit_id uuid REFERENCES units(id),
        -- clock_timestamp, not now(): rows of one intake keep the order they were given in
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX victims_case_idx ON victims (case_id);
      CREATE INDEX victims_id_number_bidx ON victims (id_number_bidx);
      CREATE INDEX victims_phone_bidx ON victims (phone_bidx);

      -- One immutable row per distinct (kind, normalized value); what a case says about it lives on case_identifiers.
      CREATE TABLE identifiers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('bank_card','phone','wechat','alipay','qq','url','app','other')),
        value text NOT NULL,
        bank_name text,
        luhn_valid boolean,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, value)
      );
      CREATE FUNCTION identifiers_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.kind <> OLD.kind OR NEW.value <> OLD.value THEN
          RAISE EXCEPTION 'identifiers are immutable: unlink and link another value';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER identifiers_immutable BEFORE UPDATE ON identifiers
        FOR EACH ROW EXECUTE FUNCTION identifiers_immutable();

      CREATE TABLE case_identifiers (
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        identifier_id uuid NOT NULL REFERENCES identifiers(id),
        role text NOT NULL DEFAULT 'other'
          CHECK (role IN ('receiving_account','contact_phone','contact_account','website','app','other')),
        note text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (case_id, identifier_id)
      );
      CREATE INDEX case_identifiers_identifier_idx ON case_identifiers (identifier_id, case_id);

      CREATE TABLE victim_transfers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        victim_id uuid NOT NULL REFERENCES victims(id) ON DELETE CASCADE,
        identifier_id uuid NOT NULL REFERENCES identifiers(id),
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        transferred_at timestamptz NOT NULL,
        channel text NOT NULL CHECK (channel IN ('bank_transfer','wechat_pay','alipay','cash','other')),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX victim_transfers_case_idx ON victim_transfers (case_id);
      CREATE INDEX victim_transfers_identifier_idx ON victim_transfers (identifier_id);

      CREATE FUNCTION cases_recompute_loss() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE cases c SET loss_fen = coalesce((SELECT sum(amount_fen) FROM victim_transfers t WHERE t.case_id = c.id), 0)
        WHERE c.id IN (SELECT case_id FROM changed);
        RETURN NULL;
      END $$;
      CREATE TRIGGER victim_transfers_loss_ins AFTER INSERT ON victim_transfers
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION cases_recompute_loss();
      CREATE TRIGGER victim_transfers_loss_upd AFTER UPDATE ON victim_transfers
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION cases_recompute_loss();
      CREATE TRIGGER victim_transfers_loss_del AFTER DELETE ON victim_transfers
        REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION cases_recompute_loss();

      CREATE TABLE case_transitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        from_status text NOT NULL,
        to_status text NOT NULL,
        reason text NOT NULL,
        actor_id uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX case_transitions_case_idx ON case_transitions (case_id, created_at);

      CREATE TABLE case_notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        author_id uuid REFERENCES users(id),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX case_notes_case_idx ON case_notes (case_id, created_at);
    `);
    for (const t of FRAUD_TYPES) {
      await q.query(
        `INSERT INTO fraud_types (code, label_zh, label_en, valid_from, valid_to, typical_script)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [t.code, t.zh, t.en, t.validFrom, t.validTo, t.typicalScript],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE case_notes; DROP TABLE case_transitions; DROP TABLE victim_transfers;
      DROP FUNCTION cases_recompute_loss(); DROP TABLE case_identifiers; DROP TABLE identifiers;
      DROP FUNCTION identifiers_immutable(); DROP TABLE victims; DROP TABLE cases;
      DROP TABLE case_sequences; DROP TABLE fraud_types;
    `);
  }
}
