import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A row of fraud_types: the ministry's code list, written by migrations only (no entity). */
export interface FraudTypeRow {
  code: string;
  label_zh: string;
  label_en: string;
  valid_from: number;
  valid_to: number | null;
  typical_script: string;
}

/**
 * The fraud-type code list. Plain statements on a read-only table that has no entity (its rows
 * come from migrations), so SQL rather than a Repository.
 */
@Injectable()
export class FraudTypesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async exists(code: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query('SELECT 1 FROM fraud_types WHERE code = $1', [
      code,
    ]);
    return rows.length > 0;
  }

  async byCode(code: string): Promise<FraudTypeRow | null> {
    const rows: FraudTypeRow[] = await this.ds.query(
      `SELECT code, label_zh, label_en, valid_from, valid_to, typical_script
       FROM fraud_types WHERE code = $1`,
      [code],
    );
    return rows[0] ?? null;
  }

  /** Every code, oldest first (then by code). */
  list(): Promise<FraudTypeRow[]> {
    return this.ds.query(
      `SELECT code, label_zh, label_en, valid_from, valid_to, typical_script
       FROM fraud_types ORDER BY valid_from, code`,
    );
  }
}
