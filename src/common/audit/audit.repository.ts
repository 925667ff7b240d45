import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor.js';
import { scopeWhere } from '../auth/scope.js';
import { Page, paginate, PageQuery } from '../pagination/pagination.js';
import { AuditEvent } from './audit-event.entity.js';
import { AuditRecord, ChainRow, GENESIS_HASH } from './audit-hash.js';
import { IDENTITY_VIEWS } from '../database/views.js';

/** What GET /audit-events filters by (checked by its DTO). */
export interface AuditFilter {
  actorId?: string;
  actorUsername?: string;
  /** Exact, or a prefix when it ends in a dot. */
  action?: string;
  entity?: string;
  entityId?: string;
  from?: string;
  to?: string;
}

/** Serializes writers of the chain; held until the writing transaction ends. */
const AUDIT_CHAIN_LOCK = 7316240202;

interface Row {
  id: string;
  occurred_at: Date;
  actor_kind: AuditRecord['actorKind'];
  actor_id: string | null;
  actor_role: string | null;
  actor_unit_id: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  request_id: string | null;
  client_request_id: string | null;
  ip: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
  keyed: boolean;
}

@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Takes the chain lock (for the rest of the transaction) and returns the last hash. */
  async lockAndLastHash(em: EntityManager): Promise<string> {
    await em.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const rows: { hash: string }[] = await em.query(
      'SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1',
    );
    return rows[0]?.hash ?? GENESIS_HASH;
  }

  async insert(em: EntityManager, r: AuditRecord, prevHash: string, hash: string): Promise<string> {
    const rows: { id: string }[] = await em.query(
      `INSERT INTO audit_events (occurred_at, actor_kind, actor_id, actor_role, actor_unit_id, action, entity,
         entity_id, request_id, client_request_id, ip, details, prev_hash, hash, keyed)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,true) RETURNING id`,
      [
        r.occurredAt,
        r.actorKind,
        r.actorId,
        r.actorRole,
        r.actorUnitId,
        r.action,
        r.entity,
        r.entityId,
        r.requestId,
        r.clientRequestId,
        r.ip,
        JSON.stringify(r.details),
        prevHash,
        hash,
      ],
    );
    return String(rows[0].id);
  }

  /** Rows with id greater than `afterId`, in id order. */
  async page(afterId: string, limit: number): Promise<ChainRow[]> {
    const rows: Row[] = await this.ds.query(
      'SELECT * FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2',
      [afterId, limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      occurredAt: r.occurred_at,
      actorKind: r.actor_kind,
      actorId: r.actor_id,
      actorRole: r.actor_role,
      actorUnitId: r.actor_unit_id,
      action: r.action,
      entity: r.entity,
      entityId: r.entity_id,
      requestId: r.request_id,
      clientRequestId: r.client_request_id,
      ip: r.ip,
      details: r.details,
      prevHash: r.prev_hash,
      hash: r.hash,
      keyed: r.keyed,
    }));
  }

  /** The last row's id and hash (committed), if any. */
  async head(): Promise<{ id: string; hash: string } | undefined> {
    const rows: { id: string; hash: string }[] = await this.ds.query(
      'SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1',
    );
    return rows[0] && { id: String(rows[0].id), hash: rows[0].hash };
  }

  /**
   * Events the caller may read, newest first: all for admins, else those whose actor belonged to
   * a unit of the caller's subtree when it acted (the unit is recorded on the row).
   */
  list(actor: Actor, f: AuditFilter, page: PageQuery): Promise<Page<AuditEvent>> {
    const scope = scopeWhere(actor, 'a.actor_unit_id');
    const qb = this.ds
      .getRepository(AuditEvent)
      .createQueryBuilder('a')
      .where(scope.sql, scope.params);
    if (f.actorId) qb.andWhere('a.actor_id = :actorId', { actorId: f.actorId });
    if (f.actorUsername)
      qb.andWhere(
        `a.actor_kind = 'user' AND a.actor_id IN (SELECT uu.id FROM ${IDENTITY_VIEWS.users} uu WHERE uu.username = :username)`,
        { username: f.actorUsername },
      );
    if (f.action?.endsWith('.'))
      qb.andWhere("a.action LIKE :action || '%'", { action: f.action.replace(/_/g, '\\_') });
    else if (f.action) qb.andWhere('a.action = :action', { action: f.action });
    if (f.entity) qb.andWhere('a.entity = :entity', { entity: f.entity });
    if (f.entityId) qb.andWhere('a.entity_id = :entityId', { entityId: f.entityId });
    if (f.from) qb.andWhere('a.occurred_at >= :from', { from: f.from });
    if (f.to) qb.andWhere('a.occurred_at < :to', { to: f.to });
    // The id is the chain's order: unique and never reused, so it alone is a stable key.
    return paginate(qb, page, { sort: 'a.id', id: 'a.id', direction: 'DESC', value: (e) => e.id });
  }

  /** Usernames and display names of users, names of API keys, as they are now. */
  async actorNames(
    events: AuditEvent[],
  ): Promise<Map<string, { name: string; displayName: string | null }>> {
    const ids = (kind: AuditEvent['actorKind']) => [
      ...new Set(events.filter((e) => e.actorKind === kind && e.actorId).map((e) => e.actorId)),
    ];
    const users = ids('user');
    const keys = ids('api_key');
    if (!users.length && !keys.length) return new Map();
    const rows: { id: string; name: string; display_name: string | null }[] = await this.ds.query(
      `SELECT id, username AS name, display_name FROM ${IDENTITY_VIEWS.users} WHERE id = ANY($1::uuid[])
       UNION ALL SELECT id, name, NULL FROM ${IDENTITY_VIEWS.apiKeys} WHERE id = ANY($2::uuid[])`,
      [users, keys],
    );
    return new Map(rows.map((r) => [r.id, { name: r.name, displayName: r.display_name }]));
  }

  async exists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.ds.query('SELECT 1 FROM audit_events WHERE id = $1', [id]);
    return rows.length > 0;
  }
}
