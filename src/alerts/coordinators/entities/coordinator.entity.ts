import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import type { Channel } from '../../deliveries/channels.js';

/** 群协调员: the person who runs one community WeChat group and forwards warnings to it. */
@Entity('coordinators')
export class Coordinator {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'text' }) name!: string;
  @Column({ type: 'text' }) phone!: string;
  @Column({ name: 'community_id', type: 'uuid' }) communityId!: string;
  @Column({ name: 'group_name', type: 'text' }) groupName!: string;
  @Column({ name: 'group_size', type: 'int' }) groupSize!: number;
  @Column({ type: 'text' }) channel!: Channel;
  /** Encrypted: for a robot the URL carries its key, which lets anyone post to the group. */
  @Column({ name: 'webhook_url_enc', type: 'text', nullable: true }) webhookUrlEnc!: string | null;
  @Column({ name: 'webhook_url_masked', type: 'text', nullable: true })
  webhookUrlMasked!: string | null;
  @Column({ name: 'robot_key_hash', type: 'text', nullable: true }) robotKeyHash!: string | null;
  @Column({ name: 'webhook_secret_enc', type: 'text', nullable: true })
  webhookSecretEnc!: string | null;
  @Column({ type: 'boolean' }) enabled!: boolean;
  @Column({ name: 'channel_broken_at', type: 'timestamptz', nullable: true })
  channelBrokenAt!: Date | null;
  @Column({ name: 'channel_broken_reason', type: 'text', nullable: true })
  channelBrokenReason!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  /** Set to now() by every update through the entity (TypeORM adds it to the UPDATE). */
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
