import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { FreezeOrderKind, FreezeOrderStatus } from '../freeze-order-status.js';

/** 止付/冻结: a request to a bank to stop payment from, or freeze, an account of a case. */
@Entity('freeze_orders')
export class FreezeOrder {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) kind!: FreezeOrderKind;
  @Column({ type: 'text' }) status!: FreezeOrderStatus;
  @Column({ name: 'case_id', type: 'uuid' }) caseId!: string;
  @Column({ name: 'identifier_id', type: 'uuid' }) identifierId!: string;
  /** The owning police unit (the case's). */
  @Column({ name: 'unit_id', type: 'uuid' }) unitId!: string;
  /** The bank asked (a unit of kind `bank`). */
  @Column({ name: 'bank_unit_id', type: 'uuid' }) bankUnitId!: string;
  /** The responsible officer, reminded before expiry. */
  @Column({ name: 'officer_id', type: 'uuid', nullable: true }) officerId!: string | null;
  @Column({ name: 'major_case', type: 'boolean' }) majorCase!: boolean;
  @Column({ name: 'requested_fen', type: 'bigint' }) requestedFen!: string;
  @Column({ name: 'frozen_fen', type: 'bigint', nullable: true }) frozenFen!: string | null;
  @Column({ name: 'recovered_fen', type: 'bigint' }) recoveredFen!: string;
  @Column({ name: 'reject_reason', type: 'text', nullable: true }) rejectReason!: string | null;
  @Column({ type: 'text', nullable: true }) note!: string | null;
  @Column({ name: 'case_reported_at', type: 'timestamptz' }) caseReportedAt!: Date;
  @Column({ name: 'requested_at', type: 'timestamptz' }) requestedAt!: Date;
  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true }) answeredAt!: Date | null;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ name: 'remind_at', type: 'timestamptz', nullable: true }) remindAt!: Date | null;
  @Column({ name: 'reminded_at', type: 'timestamptz', nullable: true }) remindedAt!: Date | null;
  @Column({ type: 'integer' }) renewals!: number;
  @Column({ name: 'converted_from_id', type: 'uuid', nullable: true }) convertedFromId!:
    string | null;
  @Column({ name: 'expiry_gen', type: 'integer' }) expiryGen!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
