import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Suspicious-transfer flags (可疑交易) raised by banks, their hits on cases' bank cards, and the
 * dissuasion tasks (预警劝阻) a hit opens for the payer, with their contact attempts.
 *
 * Flags are the high-volume table (a bank sends them in batches of thousands), so it carries only
 * the indexes its reads need; matching goes through identifiers (kind, value), which is unique.
 */
export class TransferFlags1732600000000 implements MigrationInterface {
  name = 'TransferFlags1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE transfer_flags (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- The bank (unit of kind 'bank') whose liaison or API key sent the flag.
        bank_unit_id uuid NOT NULL REFERENCES units(id),
        external_ref text NOT NULL CHECK (length(external_ref) BETWEEN 1 AND 100),
        payer_account text NOT NULL CHECK (payer_account ~ '^[0-9]{12,19}$'),
        payer_name text,
        payee_account text NOT NULL CHECK (payee_account ~ '^[0-9]{12,19}$'),
        payee_name text,
        payee_bank text,
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        occurred_at timestamptz NOT NULL,
        reason text NOT NULL,
        submitted_by_kind text NOT NULL CHECK (submitted_by_kind IN ('user','api_key')),
        submitted_by_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- Re-sending a flag is idempotent: the natural key is the bank's own reference.
        UNIQUE (bank_unit_id, external_ref)
      );
      CREATE INDEX transfer_flags_bank_created_idx ON transfer_flags (bank_unit_id, created_at DESC, id DESC);
      CREATE INDEX transfer_flags_created_idx ON transfer_flags (created_at DESC, id DESC);
      CREATE INDEX transfer_flags_payee_idx ON transfer_flags (payee_account);

      -- A flag whose payee account is a bank card named by a case: one row per (flag, case).
      CREATE TABLE transfer_hits (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        flag_id uuid NOT NULL REFERENCES transfer_flags(id) ON DELETE CASCADE,
        identifier_id uuid NOT NULL REFERENCES identifiers(id),
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (flag_id, case_id)
      );
      CREATE INDEX transfer_hits_case_idx ON transfer_hits (case_id);
      CREATE INDEX transfer_hits_created_idx ON transfer_hits (created_at DESC, id DESC);

      -- 预警劝阻: the payer of a flag that pays a known fraud account is probably being defrauded now.
      CREATE TABLE dissuasions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        flag_id uuid NOT NULL UNIQUE REFERENCES transfer_flags(id) ON DELETE CASCADE,
        identifier_id uuid NOT NULL REFERENCES identifiers(id),
        payer_account text NOT NULL,
        payer_name text,
        risk_grade text NOT NULL CHECK (risk_grade IN ('high','medium','low')),
        unit_id uuid NOT NULL REFERENCES units(id),
        due_at timestamptz NOT NULL,
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open','closed')),
        outcome text CHECK (outcome IN ('stopped','already_paid','unreachable','not_fraud')),
        outcome_note text,
        first_contact_at timestamptz,
        escalated_at timestamptz,
        closed_at timestamptz,
        closed_by uuid REFERENCES users(id),
        draft_case_id uuid REFERENCES cases(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (due_at > created_at),
        CHECK ((status = 'closed') = (outcome IS NOT NULL AND closed_at IS NOT NULL)),
        CHECK (draft_case_id IS NULL OR outcome = 'already_paid')
      );
      CREATE INDEX dissuasions_unit_idx ON dissuasions (unit_id, created_at DESC, id DESC);
      CREATE INDEX dissuasions_created_idx ON dissuasions (created_at DESC, id DESC);
      CREATE INDEX dissuasions_open_due_idx ON dissuasions (due_at) WHERE status = 'open';

      CREATE TABLE dissuasion_contacts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        dissuasion_id uuid NOT NULL REFERENCES dissuasions(id) ON DELETE CASCADE,
        method text NOT NULL CHECK (method IN ('phone','visit','sms','bank_counter')),
        note text CHECK (length(note) <= 1000),
        actor_id uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX dissuasion_contacts_task_idx ON dissuasion_contacts (dissuasion_id, created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE dissuasion_contacts; DROP TABLE dissuasions; DROP TABLE transfer_hits;
      DROP TABLE transfer_flags;
    `);
  }
}
