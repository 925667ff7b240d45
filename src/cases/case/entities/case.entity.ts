import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { CaseStatus } from '../case-status.js';

/** 案件: a reported fraud case owned by a unit. */
@Entity('cases')
export class Case {
  @PrimaryGeneratedColumn('uuid') id!: string;
  /** Human-readable number `<unit code>-<year>-<6-digit sequence>` (案件编号). */
  @Column({ name: 'case_no', type: 'text' }) caseNo!: string;
  @Column({ name: 'fraud_type', type: 'text' }) fraudType!: string;
  @Column({ type: 'text' }) status!: CaseStatus;
  @Column({ type: 'text' }) summary!: string;
  @Column({ name: 'reported_at', type: 'timestamptz' }) reportedAt!: Date;
  @Column({ name: 'occurred_at', type: 'timestamptz', nullable: true }) occurredAt!: Date | null;
  @Column({ name: 'unit_id', type: 'uuid' }) unitId!: string;
  @Column({ name: 'officer_id', type: 'uuid', nullable: true }) officerId!: string | null;
  /** Sum of the victims' transfers, kept by a trigger; BIGINT comes back as a string. */
  @Column({ name: 'loss_fen', type: 'bigint' }) lossFen!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
