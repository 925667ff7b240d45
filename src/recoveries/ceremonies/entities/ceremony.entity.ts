import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** 发还仪式: where confirmed allocations are handed back and signed for. */
@Entity('ceremonies')
export class Ceremony {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) title!: string;
  /** YYYY-MM-DD */
  @Column({ name: 'held_on', type: 'date' }) heldOn!: string;
  @Column({ type: 'text' }) venue!: string;
  @Column({ name: 'host_unit_id', type: 'uuid' }) hostUnitId!: string;
  @Column({ name: 'created_by', type: 'uuid', nullable: true }) createdBy!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
