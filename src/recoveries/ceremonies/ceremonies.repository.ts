import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, IsNull } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { scopeSql, scopeWhere } from '../../common/auth/scope.js';
import { Page, PageQuery, paginateView } from '../../common/pagination/pagination.js';
import { Allocation } from '../recoveries/entities/allocation.entity.js';
import { Ceremony } from './entities/ceremony.entity.js';
import { ALLOCATION_VIEW, AllocationViewRow } from '../recoveries/recoveries.repository.js';
import { CASES_VIEWS } from '../../cases/index.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

export interface CeremonyRow {
  id: string;
  title: string;
  held_on: string;
  venue: string;
  host_unit_id: string;
  host_unit_name: string;
  created_at: Date;
}

export interface FraudTypeTotalRow {
  fraud_type: string;
  label: string;
  amount_fen: string;
  victims: number;
  cases: number;
}

/** A ceremony with its host unit's name (identity's view: hand-written join). */
const VIEW = `
  SELECT e.id, e.title, to_char(e.held_on, 'YYYY-MM-DD') AS held_on, e.venue, e.host_unit_id,
         u.name AS host_unit_name, e.created_at
  FROM ceremonies e JOIN ${IDENTITY_VIEWS.units} u ON u.id = e.host_unit_id`;

/** Ceremonies (发还仪式) and the allocations returned at them. */
@Injectable()
export class CeremoniesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async insert(
    em: EntityManager,
    c: {
      title: string;
      heldOn: string;
      venue: string;
      hostUnitId: string;
      createdBy: string | null;
    },
  ): Promise<string> {
    const result = await em.getRepository(Ceremony).insert(c);
    return (result.identifiers[0] as { id: string }).id;
  }

  async view(
    actor: Actor,
    id: string,
    em: EntityManager | DataSource = this.ds,
    lock = false,
  ): Promise<CeremonyRow | null> {
    const args: unknown[] = [id];
    const scope = scopeSql(actor, 'e.host_unit_id', args);
    const rows: CeremonyRow[] = await em.query(
      `${VIEW} WHERE e.id = $1 AND ${scope}${lock ? ' FOR UPDATE OF e' : ''}`,
      args,
    );
    return rows[0] ?? null;
  }

  list(actor: Actor, q: PageQuery): Promise<Page<CeremonyRow>> {
    const scope = scopeWhere(actor, 'e.host_unit_id');
    return paginateView<CeremonyRow>(this.ds, `${VIEW} WHERE ${scope.sql}`, scope.params, q);
  }

  /** Allocations by id that the caller's scope includes, row-locked. */
  async lockAllocations(em: EntityManager, actor: Actor, ids: string[]): Promise<Allocation[]> {
    const scope = scopeWhere(actor, 'a.unit_id');
    return em
      .getRepository(Allocation)
      .createQueryBuilder('a')
      .where('a.id IN (:...ids)', { ids })
      .andWhere(scope.sql, scope.params)
      .setLock('pessimistic_write')
      .getMany();
  }

  /** Puts the allocations not yet at a ceremony on this one; returns how many it took. */
  async attach(em: EntityManager, ceremonyId: string, ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const result = await em
      .getRepository(Allocation)
      .update({ id: In(ids), ceremonyId: IsNull() }, { ceremonyId });
    return result.affected ?? 0;
  }

  async lockAttached(
    em: EntityManager,
    ceremonyId: string,
    allocationId: string,
  ): Promise<Allocation | null> {
    return em
      .getRepository(Allocation)
      .createQueryBuilder('a')
      .where('a.id = :allocationId AND a.ceremony_id = :ceremonyId', { allocationId, ceremonyId })
      .setLock('pessimistic_write')
      .getOne();
  }

  /** Records the victim's signature; a second one changes nothing. */
  async markSigned(
    em: EntityManager,
    allocationId: string,
    at: Date,
    userId: string | null,
  ): Promise<void> {
    await em
      .getRepository(Allocation)
      .update({ id: allocationId, signedAt: IsNull() }, { signedAt: at, signedByUser: userId });
  }

  allocations(ceremonyId: string): Promise<AllocationViewRow[]> {
    return this.ds.query(
      `${ALLOCATION_VIEW} WHERE a.ceremony_id = $1 ORDER BY c.case_no, a.confirmed_at, a.id`,
      [ceremonyId],
    );
  }

  /** The ceremony's sums by fraud type (hand-written: an aggregate joining the cases module's views). */
  byFraudType(ceremonyId: string): Promise<FraudTypeTotalRow[]> {
    return this.ds.query(
      `SELECT c.fraud_type, f.label_zh AS label, sum(a.amount_fen)::text AS amount_fen,
              count(DISTINCT a.victim_id)::int AS victims, count(DISTINCT a.case_id)::int AS cases
       FROM allocations a JOIN ${CASES_VIEWS.caseFacts} c ON c.id = a.case_id
       JOIN ${CASES_VIEWS.fraudTypes} f ON f.code = c.fraud_type
       WHERE a.ceremony_id = $1 GROUP BY c.fraud_type, f.label_zh ORDER BY sum(a.amount_fen) DESC, c.fraud_type`,
      [ceremonyId],
    );
  }
}
