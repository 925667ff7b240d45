import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** 追回: money moved from a frozen account into the police custody account. */
@Entity('recoveries')
export class Recovery {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'order_id', type: 'uuid' }) orderId!: string;
  @Column({ name: 'case_id', type: 'uuid' }) caseId!: string;
  @Column({ name: 'unit_id', type: 'uuid' }) unitId!: string;
  @Column({ name: 'amount_fen', type: 'bigint' }) amountFen!: string;
  @Column({ name: 'allocated_fen', type: 'bigint' }) allocatedFen!: string;
  /** YYYY-MM-DD */
  @Column({ name: 'recovered_on', type: 'date' }) recoveredOn!: string;
  @Column({ name: 'legal_basis', type: 'text' }) legalBasis!: string;
  @Column({ name: 'custody_account', type: 'text', nullable: true }) custodyAccount!: string | null;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
