import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageMeta, PageQuery } from '../pagination/pagination.js';
import { FILTER_BOUND, IsDateTime } from '../validation/date-time.js';

/** GET /audit-events: who did what, to which record, when, from where. */
export class ListAuditEventsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Events of this user or API key' })
  @IsOptional()
  @IsUUID()
  actorId?: string;

  @ApiPropertyOptional({
    example: 'li.officer',
    description: 'Events of the user with this username',
  })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  actorUsername?: string;

  @ApiPropertyOptional({
    example: 'victim.pii_read',
    description:
      'An action (`victim.pii_read`: reveals of victim PII; `case.search_pii`: searches by ID number or phone), or a prefix ending in a dot (`case.`)',
  })
  @IsOptional()
  @Matches(/^[a-z0-9_.]{1,64}$/, {
    message: 'must be an action like case.create, or a prefix ending in a dot like case.',
  })
  action?: string;

  @ApiPropertyOptional({ example: 'case', description: 'The kind of record acted on' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  entity?: string;

  @ApiPropertyOptional({ description: 'The record acted on (a case id for victim.pii_read)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  entityId?: string;

  @ApiPropertyOptional({
    example: '2026-11-21T00:00:00+08:00',
    description: 'From this instant (inclusive)',
  })
  @IsOptional()
  @IsDateTime(FILTER_BOUND)
  from?: string;

  @ApiPropertyOptional({
    example: '2026-11-22T00:00:00+08:00',
    description: 'Before this instant (exclusive)',
  })
  @IsOptional()
  @IsDateTime(FILTER_BOUND)
  to?: string;

  @ApiPropertyOptional({
    enum: ['json', 'csv'],
    default: 'json',
    description:
      'csv: every matching event from `cursor` on (limit ignored), newest first, as UTF-8 CSV with a BOM and Chinese headers, at most 100,000 rows; when more match, a last line says so and gives the cursor to continue with',
  })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}

@ApiSchema({
  description: 'One audit event (审计): who did what, to which record, when and from where',
})
export class AuditEventDto {
  @ApiProperty({
    example: '1042',
    description: 'Position in the chain; newer events have larger ids',
  })
  id!: string;
  @ApiProperty({ example: '2026-11-21T02:31:07.120Z', description: 'When it happened (ISO 8601)' })
  occurredAt!: string;
  @ApiProperty({
    enum: ['user', 'api_key', 'system', 'anonymous'],
    description: "Who acted: a user, a bank's API key, the system (jobs) or an anonymous caller",
  })
  actorKind!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'User or API key id' })
  actorId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The user’s username, or the API key’s name, as it is now',
  })
  actorName!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'The user’s display name (姓名), as it is now',
  })
  actorDisplayName!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The role when it acted' })
  actorRole!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'uuid',
    description: 'The unit when it acted',
  })
  actorUnitId!: string | null;
  @ApiProperty({
    example: 'victim.pii_read',
    description: 'What was done, e.g. victim.pii_read (a reveal of victim PII)',
  })
  action!: string;
  @ApiProperty({ example: 'case', description: 'The kind of record acted on' }) entity!: string;
  @ApiProperty({ nullable: true, type: String, description: 'The record acted on' }) entityId!:
    string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The server’s x-request-id' })
  requestId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'The X-Request-Id the client sent' })
  clientRequestId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'Where the request came from' })
  ip!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'What the action recorded (never victim PII)',
  })
  details!: Record<string, unknown>;
}

@ApiSchema({ description: 'A page of audit events' })
export class AuditEventPage extends PageMeta {
  @ApiProperty({ type: [AuditEventDto], description: 'The events of this page, newest first' })
  items!: AuditEventDto[];
}
