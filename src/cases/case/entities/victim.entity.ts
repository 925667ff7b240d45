import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** 受害人: PII encrypted at rest (AES-256-GCM), found by keyed hashes (blind indexes). */
@Entity('victims')
export class Victim {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'case_id', type: 'uuid' }) caseId!: string;
  @Column({ name: 'name_enc', type: 'text' }) nameEnc!: string;
  @Column({ name: 'id_number_enc', type: 'text', nullable: true }) idNumberEnc!: string | null;
  @Column({ name: 'phone_enc', type: 'text', nullable: true }) phoneEnc!: string | null;
  @Column({ name: 'address_enc', type: 'text', nullable: true }) addressEnc!: string | null;
  @Column({ name: 'id_number_bidx', type: 'text', nullable: true }) idNumberBidx!: string | null;
  @Column({ name: 'phone_bidx', type: 'text', nullable: true }) phoneBidx!: string | null;
  @Column({ name: 'community_unit_id', type: 'uuid', nullable: true }) communityUnitId!:
    string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
