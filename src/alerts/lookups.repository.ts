import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { CASES_VIEWS } from '../cases/index.js';
import { IDENTITY_VIEWS } from '../identity/index.js';

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
 * What alerts reads of other features: units (identity's view) and fraud types (the cases
 * module's view). Plain reads by key, kept in one place so what alerts reaches outside its own is
 * short and visible here; they take the caller's transaction when given one (the trend scan drafts a
 * warning in one).
 */
@Injectable()
export class AlertsLookups {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async units(ids: string[], em: EntityManager = this.ds.manager): Promise<UnitRow[]> {
    return em.query(
      `SELECT id, kind, code, name, path FROM ${IDENTITY_VIEWS.units} WHERE id = ANY($1::uuid[])`,
      [ids],
    );
  }

  async unitOf(id: string, em: EntityManager = this.ds.manager): Promise<UnitRow | undefined> {
    return (await this.units([id], em))[0];
  }

  async fraudType(
    code: string,
    em: EntityManager = this.ds.manager,
  ): Promise<FraudTypeRow | undefined> {
    const rows: FraudTypeRow[] = await em.query(
      `SELECT code, label_zh, typical_script FROM ${CASES_VIEWS.fraudTypes} WHERE code = $1`,
      [code],
    );
    return rows[0];
  }
}
