import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Evidence files (电子数据证据) of a case. The bytes live in the evidence storage under
 * `storage_key` (generated, never the client's filename); the row keeps the SHA-256 taken while
 * the file streamed in, so a download can prove the bytes did not change since.
 */
export class Evidence1732500000000 implements MigrationInterface {
  name = 'Evidence1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE evidence (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- no cascade: evidence is not deleted with a case row, its file would be orphaned
        case_id uuid NOT NULL REFERENCES cases(id),
        -- the uploader's filename, for display and downloads only
        filename text NOT NULL CHECK (length(filename) BETWEEN 1 AND 255),
        content_type text NOT NULL CHECK (length(content_type) BETWEEN 1 AND 255),
        size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        storage_key text NOT NULL UNIQUE,
        description text CHECK (length(description) <= 2000),
        uploaded_by uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX evidence_case_idx ON evidence (case_id, created_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE evidence');
  }
}
