import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One recorded state change (or reminder) of a freeze order. */
@Entity('freeze_order_events')
export class FreezeOrderEvent {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'order_id', type: 'uuid' }) orderId!: string;
  @Column({ type: 'text' }) action!: string;
  @Column({ name: 'from_status', type: 'text', nullable: true }) fromStatus!: string | null;
  @Column({ name: 'to_status', type: 'text' }) toStatus!: string;
  @Column({ name: 'actor_kind', type: 'text' }) actorKind!: 'user' | 'api_key' | 'system';
  @Column({ name: 'actor_id', type: 'uuid', nullable: true }) actorId!: string | null;
  @Column({ type: 'jsonb' }) details!: Record<string, unknown>;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
