import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { scopeSql } from '../../common/auth/scope.js';
import { parseFenTotalFromDb, type Fen } from '../../common/money.js';
import { CASES_VIEWS } from '../../cases/index.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';
import { RECOVERIES_VIEWS } from '../../recoveries/index.js';

/** A ceremony held in the month, with what was handed back at it. */
export interface ReportCeremony {
  title: string;
  heldOn: string;
  venue: string;
  hostUnitName: string;
  victims: number;
  returnedFen: Fen;
  signed: number;
}

/** A fraud type's label and typical script (典型话术), from the cases module's fraud-types view. */
export interface ReportFraudType {
  code: string;
  zh: string;
  typicalScript: string;
}

/** What the monthly report reads beyond the statistics: ceremonies, units and fraud-type texts. */
@Injectable()
export class MonthlyReportRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The caller's unit, named at the head of the report. */
  async unitName(unitId: string): Promise<string> {
    const rows: { name: string }[] = await this.ds.query(
      `SELECT name FROM ${IDENTITY_VIEWS.units} WHERE id = $1`,
      [unitId],
    );
    return rows[0]?.name ?? '';
  }

  async fraudTypes(codes: string[]): Promise<ReportFraudType[]> {
    if (codes.length === 0) return [];
    return this.ds.query(
      `SELECT code, label_zh AS zh, typical_script AS "typicalScript"
       FROM ${CASES_VIEWS.fraudTypes} WHERE code = ANY($1::text[])`,
      [codes],
    );
  }

  /**
   * Ceremonies held on a day of [fromDay, toDay) (China's calendar dates) by a unit in the caller's
   * scope, with the victims and money attached to each and how many signed; largest sum first.
   */
  async ceremonies(actor: Actor, fromDay: string, toDay: string): Promise<ReportCeremony[]> {
    const args: unknown[] = [fromDay, toDay];
    const scope = scopeSql(actor, 'e.host_unit_id', args);
    const rows: {
      title: string;
      held_on: string;
      venue: string;
      host_unit_name: string;
      victims: number;
      returned_fen: string;
      signed: number;
    }[] = await this.ds.query(
      `SELECT e.title, to_char(e.held_on, 'YYYY-MM-DD') AS held_on, e.venue, u.name AS host_unit_name,
              count(a.id)::int AS victims, coalesce(sum(a.amount_fen), 0) AS returned_fen,
              count(a.signed_at)::int AS signed
       FROM ${RECOVERIES_VIEWS.ceremonies} e
       JOIN ${IDENTITY_VIEWS.units} u ON u.id = e.host_unit_id
       LEFT JOIN ${RECOVERIES_VIEWS.allocations} a ON a.ceremony_id = e.id
       WHERE ${scope} AND e.held_on >= CAST($1 AS date) AND e.held_on < CAST($2 AS date)
       GROUP BY e.id, e.title, e.held_on, e.venue, u.name
       ORDER BY returned_fen DESC, e.held_on, e.id`,
      args,
    );
    return rows.map((r) => ({
      title: r.title,
      heldOn: r.held_on,
      venue: r.venue,
      hostUnitName: r.host_unit_name,
      victims: r.victims,
      returnedFen: parseFenTotalFromDb(r.returned_fen),
      signed: r.signed,
    }));
  }
}
