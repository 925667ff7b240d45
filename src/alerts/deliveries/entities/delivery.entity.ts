import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Channel } from '../channels.js';

export const DELIVERY_STATUSES = [
  'queued',
  'sending',
  'sent',
  'failed',
  'acknowledged',
  'cancelled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** 推送: one warning (or its withdrawal notice) to one coordinator; unique per the three. */
@Entity('deliveries')
export class Delivery {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'warning_id', type: 'uuid' }) warningId!: string;
  @Column({ name: 'coordinator_id', type: 'uuid' }) coordinatorId!: string;
  @Column({ type: 'text' }) kind!: 'warning' | 'withdrawal';
  @Column({ type: 'text' }) channel!: Channel;
  @Column({ type: 'text' }) status!: DeliveryStatus;
  @Column({ type: 'int' }) attempts!: number;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  /** Null once nothing is left to attempt (sent, acknowledged, failed, cancelled). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;
  @Column({ name: 'claimed_at', type: 'timestamptz', nullable: true }) claimedAt!: Date | null;
  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true }) sentAt!: Date | null;
  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
