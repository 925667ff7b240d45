import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { Role } from '../../common/auth/roles.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { badRequest, conflict } from '../../common/http/errors.js';
import { OutboxService } from '../../common/outbox/outbox.service.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { sha256 } from '../auth/auth.service.js';
import {
  ApiKeyDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  ListApiKeysQuery,
} from './dto/api-key.dto.js';
import { UnitKind } from '../units/entities/unit.entity.js';
import { UnitsRepository } from '../units/units.repository.js';
import { NotificationsService } from '../notifications/notifications.service.js';

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly units: UnitsRepository,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly notifications: NotificationsService,
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
      const saved = await this.keys.insert(em, {
        unitId: unit.id,
        name: dto.name,
        keyPrefix: prefix,
        keyHash: sha256(key),
        createdBy: actor.id,
      });
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
      const revoked = await this.keys.revoke(em, id, new Date());
      if (!revoked) throw conflict('This API key is already revoked');
      await this.audit.record(em, {
        action: 'api_key.revoke',
        entity: 'api_key',
        entityId: id,
        details: { keyPrefix: key.keyPrefix },
      });
      await this.outbox.add(em, 'api-key-changed', { apiKeyId: id, change: 'revoked' });
      return ApiKeyDto.from(revoked);
    });
  }

  /**
   * A bank's liaisons learn of every key issued for or revoked from their bank's systems.
   * Idempotent per (outbox event, user); returns how many notifications were new.
   */
  async announceChange(
    apiKeyId: string,
    change: 'issued' | 'revoked',
    eventId: string,
  ): Promise<number> {
    const key = await this.keys.findById(apiKeyId);
    if (!key) return 0;
    const bank = await this.units.findById(key.unitId);
    if (!bank) return 0;
    const issued = change === 'issued';
    return this.notifications.notifyRolesUnder(eventId, bank.id, [Role.BankLiaison], {
      kind: `api_key.${change}`,
      title: issued ? '银行系统接口密钥已签发' : '银行系统接口密钥已吊销',
      body: issued
        ? `已为${bank.name}签发接口密钥「${key.name}」（${key.keyPrefix}…）。如非本行申请，请立即联系反诈中心。`
        : `${bank.name}的接口密钥「${key.name}」（${key.keyPrefix}…）已吊销，使用该密钥的系统将无法再报送可疑交易。`,
      entity: 'api_key',
      entityId: key.id,
    });
  }
}
