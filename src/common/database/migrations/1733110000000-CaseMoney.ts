import { MigrationInterface, QueryRunner } from 'typeorm';

/** A case's money (GET /cases/:id/money, GET /recoveries?caseId=) reads allocations by case. */
export class CaseMoney1733110000000 implements MigrationInterface {
  name = 'CaseMoney1733110000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX allocations_case_idx ON allocations (case_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX allocations_case_idx');
  }
}
