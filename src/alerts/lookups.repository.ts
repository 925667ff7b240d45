import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface UnitRow {
  id: string;
  kind: string;
  code: string;
  name: string;
  path: string;
}

export interface FraudTypeRow {
  code: string;
  label_zh: string;
  typical_script: string;
}

/**
 * What alerts reads of other features' tables: units (identity) and fraud types (cases). Plain
 * reads by key, kept in one place so the list of tables alerts reaches outside its own is short
 * and visible here; they take the caller's transaction when given one (the trend scan drafts a
 * warning in one).
 */
@Injectable()
export class AlertsLookups {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async units(ids: string[], em: EntityManager = this.ds.manager): Promise<UnitRow[]> {
    return em.query('SELECT id, kind, code, name, path FROM units WHERE id = ANY($1::uuid[])', [
      ids,
    ]);
  }

  async unitOf(id: string, em: EntityManager = this.ds.manager): Promise<UnitRow | undefined> {
    return (await this.units([id], em))[0];
  }

  async fraudType(
    code: string,
    em: EntityManager = this.ds.manager,
  ): Promise<FraudTypeRow | undefined> {
    const rows: FraudTypeRow[] = await em.query(
      'SELECT code, label_zh, typical_script FROM fraud_types WHERE code = $1',
      [code],
    );
    return rows[0];
  }
}
