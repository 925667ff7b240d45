import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a bulk insert of flags (a bank's daily file: 50,000 rows per statement) paid per row that it
 * need not.
 *
 * 1. The statement-level rollup trigger of inserts (`stats_insert_stmt`) built one fact per new row and handed them all to `stats_apply`, which expands each fact into its rollup
 *    keys (the unit and every ancestor, each fraud type and '*', the bank) before summing: 50,000
 *    flags of one bank on one day were 50,000 facts expanded into a few hundred thousand keys, to
 *    land on a handful of rollup rows (455 ms of a 2.2 s chunk). The facts are now summed by their
 *    key first, so `stats_apply` expands one fact per (day, unit, fraud type, bank, metric): the
 *    same sums, 31 ms.
 * 2. `transfer_flags.id` defaulted to a random UUID, so every new flag landed on a random page of
 *    the primary key index: harmless while the index fits in memory, a read per insert once a
 *    province's flags do not. Ids are now time-ordered (UUID version 7, RFC 9562: 48 bits of
 *    Unix milliseconds, then random bits), so new keys go to the right edge of the index. The
 *    function is ours because PostgreSQL has `uuidv7()` only from 18 on; ids made before keep
 *    their value (nothing orders by id alone).
 * 3. The card-number checks on `transfer_flags` (`payer_account`, `payee_account`: 12 to 19 ASCII
 *    digits) were regular expressions, which PostgreSQL runs through its regex engine for every
 *    row: 0.75 s of a COPY of 200,000 rows. The same rule as a length and a `translate` that must
 *    leave nothing costs about a tenth of that. (The app checks the same rule first; these are the
 *    database's own guard.)
 */
export class BulkInsertCosts1733950000000 implements MigrationInterface {
  name = 'BulkInsertCosts1733950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION stats_insert_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE plus stats_fact[];
      BEGIN
        EXECUTE format(
          'SELECT coalesce(array_agg((day, unit_id, fraud_type, bank_unit_id, metric, n, fen)::stats_fact), ''{}'')
           FROM (SELECT f.day, f.unit_id, f.fraud_type, f.bank_unit_id, f.metric,
                        sum(f.n)::bigint AS n, sum(f.fen)::bigint AS fen
                 FROM inserted i, LATERAL %I(i) f
                 GROUP BY f.day, f.unit_id, f.fraud_type, f.bank_unit_id, f.metric) g',
          TG_ARGV[0]) INTO plus;
        PERFORM stats_apply('{}', plus);
        RETURN NULL;
      END $$;

      -- UUID version 7: the 48-bit Unix time in milliseconds over the first 6 bytes of a random
      -- (version 4) UUID, and the version nibble set from 4 (0100) to 7 (0111).
      CREATE FUNCTION uuid_v7() RETURNS uuid VOLATILE LANGUAGE sql AS $$
        SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
          PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
          FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid $$;
      ALTER TABLE transfer_flags ALTER COLUMN id SET DEFAULT uuid_v7();

      ALTER TABLE transfer_flags
        DROP CONSTRAINT transfer_flags_payer_account_check,
        DROP CONSTRAINT transfer_flags_payee_account_check,
        ADD CONSTRAINT transfer_flags_payer_account_check CHECK (
          length(payer_account) BETWEEN 12 AND 19 AND translate(payer_account, '0123456789', '') = ''
        ),
        ADD CONSTRAINT transfer_flags_payee_account_check CHECK (
          length(payee_account) BETWEEN 12 AND 19 AND translate(payee_account, '0123456789', '') = ''
        );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE transfer_flags
        DROP CONSTRAINT transfer_flags_payer_account_check,
        DROP CONSTRAINT transfer_flags_payee_account_check,
        ADD CONSTRAINT transfer_flags_payer_account_check CHECK (payer_account ~ '^[0-9]{12,19}$'),
        ADD CONSTRAINT transfer_flags_payee_account_check CHECK (payee_account ~ '^[0-9]{12,19}$');
      ALTER TABLE transfer_flags ALTER COLUMN id SET DEFAULT gen_random_uuid();
      DROP FUNCTION uuid_v7();
      CREATE OR REPLACE FUNCTION stats_insert_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE plus stats_fact[];
      BEGIN
        EXECUTE format('SELECT coalesce(array_agg(f), ''{}'') FROM inserted i, LATERAL %I(i) f', TG_ARGV[0]) INTO plus;
        PERFORM stats_apply('{}', plus);
        RETURN NULL;
      END $$;
    `);
  }
}
