import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { unitsVisibleWhere } from '../../common/auth/scope.js';
import { Page, PageQuery, paginate } from '../../common/pagination/pagination.js';
import { Unit, UnitKind } from './entities/unit.entity.js';

@Injectable()
export class UnitsRepository {
  constructor(@InjectRepository(Unit) private readonly units: Repository<Unit>) {}

  /** `em`: inside the caller's transaction, on its connection (no second one from the pool). */
  findById(id: string, em: EntityManager = this.units.manager): Promise<Unit | null> {
    return em.getRepository(Unit).findOneBy({ id });
  }

  findByCode(code: string): Promise<Unit | null> {
    return this.units.findOneBy({ code });
  }

  /** Units the caller may see (their scope; banks too for officers and supervisors), by code. */
  list(
    actor: Actor,
    query: PageQuery & { kind?: UnitKind; parentId?: string; q?: string },
  ): Promise<Page<Unit>> {
    const visible = unitsVisibleWhere(actor, 'u');
    const qb = this.units.createQueryBuilder('u').where(visible.sql, visible.params);
    if (query.kind) qb.andWhere('u.kind = :kind', { kind: query.kind });
    if (query.parentId) qb.andWhere('u.parent_id = :parentId', { parentId: query.parentId });
    if (query.q)
      qb.andWhere("(u.name ILIKE '%' || :text || '%' OR u.code ILIKE '%' || :text || '%')", {
        text: query.q.replace(/[\\%_]/g, (m) => `\\${m}`),
      });
    return paginate(qb, query, {
      sort: 'u.code',
      id: 'u.id',
      direction: 'ASC',
      value: (u) => u.code,
    });
  }

  /** Inserts a unit and sets its path from the parent's, in the caller's transaction. */
  async insert(
    em: EntityManager,
    unit: Pick<Unit, 'kind' | 'code' | 'name' | 'parentId'>,
    parentPath: string | null,
  ): Promise<Unit> {
    const rows: { id: string }[] = await em.query(
      `INSERT INTO units (parent_id, kind, code, name, path)
       VALUES ($1, $2, $3, $4, 'pending-' || gen_random_uuid()) RETURNING id`,
      [unit.parentId, unit.kind, unit.code, unit.name],
    );
    const id = rows[0].id;
    await em.query('UPDATE units SET path = $2 WHERE id = $1', [id, `${parentPath ?? '/'}${id}/`]);
    return em.getRepository(Unit).findOneByOrFail({ id });
  }

  /** The nearest ancestor-or-self of the given kind (a branch's bank). */
  async ancestorOfKind(unit: Unit, kind: UnitKind): Promise<Unit | null> {
    return this.units
      .createQueryBuilder('a')
      .where(":path LIKE a.path || '%'", { path: unit.path })
      .andWhere('a.kind = :kind', { kind })
      .orderBy('length(a.path)', 'DESC')
      .getOne();
  }
}
