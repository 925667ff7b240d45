import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import { Notification } from '../entities/notification.entity.js';

export class ListNotificationsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only unread ones' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  unread?: boolean;
}

@ApiSchema({ description: 'An in-app notification (站内通知) to the caller' })
export class NotificationDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'What happened, as a dotted code', example: 'api_key.issued' })
  kind!: string;
  @ApiProperty({ description: 'Short title' }) title!: string;
  @ApiProperty({ description: 'Message text' }) body!: string;
  @ApiProperty({ description: 'Kind of record it is about', nullable: true, type: String })
  entity!: string | null;
  @ApiProperty({ description: 'Id of that record', nullable: true, type: String }) entityId!:
    string | null;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
  @ApiProperty({
    description: 'When the caller read it; null if unread',
    nullable: true,
    type: String,
  })
  readAt!: string | null;

  static from(n: Notification): NotificationDto {
    return {
      id: n.id,
      kind: n.kind,
      title: n.title,
      body: n.body,
      entity: n.entity,
      entityId: n.entityId,
      createdAt: n.createdAt.toISOString(),
      readAt: n.readAt?.toISOString() ?? null,
    };
  }
}

@ApiSchema({ description: 'One page of notifications' })
export class NotificationPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [NotificationDto] })
  items!: NotificationDto[];
}
