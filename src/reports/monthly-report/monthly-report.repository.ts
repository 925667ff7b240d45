import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { scopeWhere } from '../../common/auth/scope.js';
import { parseFenTotalFromDb, type Fen } from '../../common/money.js';

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

/** A fraud type's label and typical script (典型话术), from the `fraud_types` table. */
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
    const rows: { name: string }[] = await this.ds.query('SELECT name FROM units WHERE id = $1', [
      unitId,
    ]);
    return rows[0]?.name ?? '';
  }

  async fraudTypes(codes: string[]): Promise<ReportFraudType[]> {
    if (codes.length === 0) return [];
    return this.ds.query(
      `SELECT code, label_zh AS zh, typical_script AS "typicalScript"
       FROM fraud_types WHERE code = ANY($1::text[])`,
      [codes],
    );
  }

  /**
   * Ceremonies held on a day of [fromDay, toDay) (China's calendar dates) by a unit in the caller's
   * scope, with the victims and money attached to each and how many signed; largest sum first.
   */
  async ceremonies(actor: Actor, fromDay: string, toDay: string): Promise<ReportCeremony[]> {
    const scope = scopeWhere(actor, 'e.host_unit_id');
    const [sql, args] = this.ds.driver.escapeQueryWithParameters(
      `SELECT e.title, to_char(e.held_on, 'YYYY-MM-DD') AS held_on, e.venue, u.name AS host_unit_name,
              count(a.id)::int AS victims, coalesce(sum(a.amount_fen), 0) AS returned_fen,
              count(a.signed_at)::int AS signed
       FROM ceremonies e
       JOIN units u ON u.id = e.host_unit_id
       LEFT JOIN allocations a ON a.ceremony_id = e.id
       WHERE ${scope.sql} AND e.held_on >= CAST(:fromDay AS date) AND e.held_on < CAST(:toDay AS date)
       GROUP BY e.id, u.name
       ORDER BY returned_fen DESC, e.held_on, e.id`,
      { ...scope.params, fromDay, toDay },
    );
    const rows: {
      title: string;
      held_on: string;
      venue: string;
      host_unit_name: string;
      victims: number;
      returned_fen: string;
      signed: number;
    }[] = await this.ds.query(sql, args);
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
