import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A flag whose payee account is a bank card named by a case (命中). */
@Entity('transfer_hits')
export class TransferHit {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'flag_id', type: 'uuid' }) flagId!: string;
  @Column({ name: 'identifier_id', type: 'uuid' }) identifierId!: string;
  @Column({ name: 'case_id', type: 'uuid' }) caseId!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
