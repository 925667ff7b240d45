import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { Role } from '../../common/auth/roles.js';
import { scopeWhere } from '../../common/auth/scope.js';
import { Page, PageQuery, paginate } from '../../common/pagination/pagination.js';
import { User } from './entities/user.entity.js';

/** A user with what the guard needs to build an Actor, loaded in one query. */
export interface UserWithScope {
  id: string;
  username: string;
  role: Role;
  unitId: string;
  disabledAt: Date | null;
  passwordChangedAt: Date;
  unitPath: string;
  bankPath: string | null;
}

@Injectable()
export class UsersRepository {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  insert(
    em: EntityManager,
    u: Pick<
      User,
      | 'username'
      | 'displayName'
      | 'passwordHash'
      | 'role'
      | 'unitId'
      | 'phone'
      | 'disabledAt'
      | 'passwordChangedAt'
    >,
  ): Promise<User> {
    const repo = em.getRepository(User);
    return repo.save(repo.create(u));
  }

  /** Applies the changes in the caller's transaction and answers the row as it is now. */
  async update(em: EntityManager, id: string, changes: Partial<User>): Promise<User> {
    const repo = em.getRepository(User);
    await repo.update({ id }, changes);
    return repo.findOneByOrFail({ id });
  }

  count(): Promise<number> {
    return this.users.count();
  }

  findForLogin(username: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.username = :username', { username })
      .getOne();
  }

  async findWithScope(id: string): Promise<UserWithScope | null> {
    const rows: {
      id: string;
      username: string;
      role: Role;
      unit_id: string;
      disabled_at: Date | null;
      password_changed_at: Date;
      unit_path: string;
      bank_path: string | null;
    }[] = await this.users.query(
      `SELECT u.id, u.username, u.role, u.unit_id, u.disabled_at, u.password_changed_at,
              un.path AS unit_path,
              (SELECT b.path FROM units b WHERE b.kind = 'bank' AND un.path LIKE b.path || '%' LIMIT 1) AS bank_path
       FROM users u JOIN units un ON un.id = u.unit_id WHERE u.id = $1`,
      [id],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: r.id,
      username: r.username,
      role: r.role,
      unitId: r.unit_id,
      disabledAt: r.disabled_at,
      passwordChangedAt: r.password_changed_at,
      unitPath: r.unit_path,
      bankPath: r.bank_path,
    };
  }

  /** Users whose unit is in the caller's scope. */
  list(actor: Actor, query: PageQuery & { role?: Role; unitId?: string }): Promise<Page<User>> {
    const scope = scopeWhere(actor, 'u.unit_id');
    const qb = this.users.createQueryBuilder('u').where(scope.sql, scope.params);
    if (query.role) qb.andWhere('u.role = :role', { role: query.role });
    if (query.unitId) qb.andWhere('u.unit_id = :unitId', { unitId: query.unitId });
    return paginate(qb, query, {
      sort: 'u.username',
      id: 'u.id',
      direction: 'ASC',
      value: (u) => u.username,
    });
  }

  /** Active users of the given roles in a unit's subtree (e.g. a bank's liaisons). */
  async activeInSubtree(unitPath: string, roles: Role[]): Promise<string[]> {
    const rows: { id: string }[] = await this.users.query(
      `SELECT u.id FROM users u JOIN units un ON un.id = u.unit_id
       WHERE un.path LIKE $1 AND u.role = ANY($2) AND u.disabled_at IS NULL`,
      [`${unitPath}%`, roles],
    );
    return rows.map((r) => r.id);
  }
}
