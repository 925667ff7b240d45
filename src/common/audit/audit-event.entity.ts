import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An audit row, for reading (GET /audit-events). Rows are written only by AuditRepository.insert,
 * in SQL, with their hash; the app's database role may not change them.
 */
@Entity('audit_events')
export class AuditEvent {
  /** bigint: a string, as pg answers it. */
  @PrimaryColumn({ type: 'bigint' }) id!: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
  @Column({ name: 'actor_kind', type: 'text' }) actorKind!:
    'user' | 'api_key' | 'system' | 'anonymous';
  @Column({ name: 'actor_id', type: 'uuid', nullable: true }) actorId!: string | null;
  @Column({ name: 'actor_role', type: 'text', nullable: true }) actorRole!: string | null;
  @Column({ name: 'actor_unit_id', type: 'uuid', nullable: true }) actorUnitId!: string | null;
  @Column({ type: 'text' }) action!: string;
  @Column({ type: 'text' }) entity!: string;
  @Column({ name: 'entity_id', type: 'text', nullable: true }) entityId!: string | null;
  @Column({ name: 'request_id', type: 'text', nullable: true }) requestId!: string | null;
  @Column({ name: 'client_request_id', type: 'text', nullable: true }) clientRequestId!:
    string | null;
  @Column({ type: 'text', nullable: true }) ip!: string | null;
  @Column({ type: 'jsonb' }) details!: Record<string, unknown>;
}
