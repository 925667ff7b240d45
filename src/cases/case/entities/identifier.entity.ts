import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { IdentifierKind } from '../../../common/validation/identifiers.js';

/** 涉案标识: one immutable row per (kind, normalized value), shared by every case that names it. */
@Entity('identifiers')
export class Identifier {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) kind!: IdentifierKind;
  @Column({ type: 'text' }) value!: string;
  @Column({ name: 'bank_name', type: 'text', nullable: true }) bankName!: string | null;
  @Column({ name: 'luhn_valid', type: 'boolean', nullable: true }) luhnValid!: boolean | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
