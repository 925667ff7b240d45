import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, IsNull, Repository } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { scopeWhere } from '../../common/auth/scope.js';
import { Page, PageQuery, paginate } from '../../common/pagination/pagination.js';
import { ApiKey } from './entities/api-key.entity.js';

export interface ApiKeyWithScope {
  id: string;
  name: string;
  keyHash: string;
  unitId: string;
  unitPath: string;
  revokedAt: Date | null;
}

@Injectable()
export class ApiKeysRepository {
  constructor(@InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>) {}

  findById(id: string): Promise<ApiKey | null> {
    return this.keys.findOneBy({ id });
  }

  insert(
    em: EntityManager,
    k: Pick<ApiKey, 'unitId' | 'name' | 'keyPrefix' | 'keyHash' | 'createdBy'>,
  ): Promise<ApiKey> {
    const repo = em.getRepository(ApiKey);
    return repo.save(repo.create({ ...k, revokedAt: null, lastUsedAt: null }));
  }

  /** Revokes a key not yet revoked; null when it already was (or does not exist). */
  async revoke(em: EntityManager, id: string, at: Date): Promise<ApiKey | null> {
    const repo = em.getRepository(ApiKey);
    const done = await repo.update({ id, revokedAt: IsNull() }, { revokedAt: at });
    return done.affected ? repo.findOneByOrFail({ id }) : null;
  }

  async findByPrefix(prefix: string): Promise<ApiKeyWithScope | null> {
    const rows: {
      id: string;
      name: string;
      key_hash: string;
      unit_id: string;
      path: string;
      revoked_at: Date | null;
    }[] = await this.keys.query(
      `SELECT k.id, k.name, k.key_hash, k.unit_id, un.path, k.revoked_at
         FROM api_keys k JOIN units un ON un.id = k.unit_id WHERE k.key_prefix = $1`,
      [prefix],
    );
    const r = rows[0];
    return r
      ? {
          id: r.id,
          name: r.name,
          keyHash: r.key_hash,
          unitId: r.unit_id,
          unitPath: r.path,
          revokedAt: r.revoked_at,
        }
      : null;
  }

  /** Records use at most once a minute per key, to keep the hot path cheap. */
  async touch(id: string): Promise<void> {
    await this.keys.query(
      `UPDATE api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [id],
    );
  }

  list(actor: Actor, query: PageQuery & { unitId?: string }): Promise<Page<ApiKey>> {
    const scope = scopeWhere(actor, 'k.unit_id');
    const qb = this.keys.createQueryBuilder('k').where(scope.sql, scope.params);
    if (query.unitId) qb.andWhere('k.unit_id = :unitId', { unitId: query.unitId });
    return paginate(qb, query, {
      sort: 'k.key_prefix',
      id: 'k.id',
      direction: 'ASC',
      value: (k) => k.keyPrefix,
    });
  }
}
