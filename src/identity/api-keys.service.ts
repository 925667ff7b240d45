import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, IsNull } from 'typeorm';
import type { Actor } from '../common/auth/actor.js';
import { AuditService } from '../common/audit/audit.service.js';
import { badRequest, conflict } from '../common/http/errors.js';
import { OutboxService } from '../common/outbox/outbox.service.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { sha256 } from './auth.service.js';
import {
  ApiKeyDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  ListApiKeysQuery,
} from './dto/api-key.dto.js';
import { ApiKey } from './entities/api-key.entity.js';
import { UnitKind } from './entities/unit.entity.js';
import { UnitsRepository } from './units.repository.js';

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly units: UnitsRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async list(actor: Actor, query: ListApiKeysQuery) {
    const page = await this.keys.list(actor, query);
    return { items: page.items.map(ApiKeyDto.from), nextCursor: page.nextCursor };
  }

  /** Issues a key for a bank; the secret is returned once and only its SHA-256 is kept. */
  async create(actor: Actor, dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const unit = await this.units.findById(dto.unitId);
    if (!unit) throw badRequest('unitId', 'does not name an existing unit');
    if (unit.kind !== UnitKind.Bank)
      throw badRequest('unitId', `must be a unit of kind bank, not ${unit.kind}`);
    const prefix = `jwk_${randomBytes(4).toString('hex')}`;
    const key = `${prefix}_${randomBytes(32).toString('base64url')}`;
    return this.ds.transaction(async (em) => {
      const saved = await em.getRepository(ApiKey).save(
        em.getRepository(ApiKey).create({
          unitId: unit.id,
          name: dto.name,
          keyPrefix: prefix,
          keyHash: sha256(key),
          createdBy: actor.id,
          revokedAt: null,
          lastUsedAt: null,
        }),
      );
      await this.audit.record(em, {
        action: 'api_key.create',
        entity: 'api_key',
        entityId: saved.id,
        details: { unitId: unit.id, name: dto.name, keyPrefix: prefix },
      });
      await this.outbox.add(em, 'api-key-changed', { apiKeyId: saved.id, change: 'issued' });
      return { ...ApiKeyDto.from(saved), key };
    });
  }

  async revoke(id: string): Promise<ApiKeyDto> {
    const key = await this.keys.findById(id);
    if (!key) throw new NotFoundException('API key not found');
    return this.ds.transaction(async (em) => {
      const done = await em
        .getRepository(ApiKey)
        .update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
      if (!done.affected) throw conflict('This API key is already revoked');
      await this.audit.record(em, {
        action: 'api_key.revoke',
        entity: 'api_key',
        entityId: id,
        details: { keyPrefix: key.keyPrefix },
      });
      await this.outbox.add(em, 'api-key-changed', { apiKeyId: id, change: 'revoked' });
      return ApiKeyDto.from(await em.getRepository(ApiKey).findOneByOrFail({ id }));
    });
  }
}
