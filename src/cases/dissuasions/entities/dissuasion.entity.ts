import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const RISK_GRADES = ['high', 'medium', 'low'] as const;
export type RiskGrade = (typeof RISK_GRADES)[number];

export const DISSUASION_STATUSES = ['open', 'closed'] as const;
export type DissuasionStatus = (typeof DISSUASION_STATUSES)[number];

/** 已劝阻, 已被骗 (becomes a case draft), 联系不上, 非诈骗. */
export const DISSUASION_OUTCOMES = ['stopped', 'already_paid', 'unreachable', 'not_fraud'] as const;
export type DissuasionOutcome = (typeof DISSUASION_OUTCOMES)[number];

export const CONTACT_METHODS = ['phone', 'visit', 'sms', 'bank_counter'] as const;
export type ContactMethod = (typeof CONTACT_METHODS)[number];

/** 预警劝阻: a task to reach the payer of a flagged transfer into a known fraud account. */
@Entity('dissuasions')
export class Dissuasion {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'flag_id', type: 'uuid' }) flagId!: string;
  @Column({ name: 'identifier_id', type: 'uuid' }) identifierId!: string;
  @Column({ name: 'payer_account', type: 'text' }) payerAccount!: string;
  @Column({ name: 'payer_name', type: 'text', nullable: true }) payerName!: string | null;
  @Column({ name: 'risk_grade', type: 'text' }) riskGrade!: RiskGrade;
  @Column({ name: 'unit_id', type: 'uuid' }) unitId!: string;
  @Column({ name: 'due_at', type: 'timestamptz' }) dueAt!: Date;
  @Column({ type: 'text' }) status!: DissuasionStatus;
  @Column({ type: 'text', nullable: true }) outcome!: DissuasionOutcome | null;
  @Column({ name: 'outcome_note', type: 'text', nullable: true }) outcomeNote!: string | null;
  @Column({ name: 'first_contact_at', type: 'timestamptz', nullable: true })
  firstContactAt!: Date | null;
  @Column({ name: 'escalated_at', type: 'timestamptz', nullable: true }) escalatedAt!: Date | null;
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true }) closedAt!: Date | null;
  @Column({ name: 'closed_by', type: 'uuid', nullable: true }) closedBy!: string | null;
  @Column({ name: 'draft_case_id', type: 'uuid', nullable: true }) draftCaseId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
