import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** 可疑交易: a transfer a bank flagged; written by hand-written bulk SQL, read through this entity. */
@Entity('transfer_flags')
export class TransferFlag {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'bank_unit_id', type: 'uuid' }) bankUnitId!: string;
  @Column({ name: 'external_ref', type: 'text' }) externalRef!: string;
  @Column({ name: 'payer_account', type: 'text' }) payerAccount!: string;
  @Column({ name: 'payer_name', type: 'text', nullable: true }) payerName!: string | null;
  @Column({ name: 'payee_account', type: 'text' }) payeeAccount!: string;
  @Column({ name: 'payee_name', type: 'text', nullable: true }) payeeName!: string | null;
  @Column({ name: 'payee_bank', type: 'text', nullable: true }) payeeBank!: string | null;
  /** BIGINT comes back as a string; parse with parseFenFromDb. */
  @Column({ name: 'amount_fen', type: 'bigint' }) amountFen!: string;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
  @Column({ type: 'text' }) reason!: string;
  @Column({ name: 'submitted_by_kind', type: 'text' }) submittedByKind!: 'user' | 'api_key';
  @Column({ name: 'submitted_by_id', type: 'uuid' }) submittedById!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
