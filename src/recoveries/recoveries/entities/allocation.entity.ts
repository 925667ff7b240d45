import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AllocationMethod } from '../allocator.js';

/** 返还分配: a confirmed part of a recovery for one victim; returned at most once, at a ceremony. */
@Entity('allocations')
export class Allocation {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'recovery_id', type: 'uuid' }) recoveryId!: string;
  @Column({ name: 'proposal_id', type: 'uuid' }) proposalId!: string;
  @Column({ name: 'victim_id', type: 'uuid' }) victimId!: string;
  @Column({ name: 'case_id', type: 'uuid' }) caseId!: string;
  @Column({ name: 'unit_id', type: 'uuid' }) unitId!: string;
  @Column({ type: 'text' }) method!: AllocationMethod;
  @Column({ name: 'amount_fen', type: 'bigint' }) amountFen!: string;
  @Column({ name: 'confirmed_at', type: 'timestamptz' }) confirmedAt!: Date;
  @Column({ name: 'ceremony_id', type: 'uuid', nullable: true }) ceremonyId!: string | null;
  @Column({ name: 'signed_at', type: 'timestamptz', nullable: true }) signedAt!: Date | null;
  @Column({ name: 'signed_by_user', type: 'uuid', nullable: true }) signedByUser!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
