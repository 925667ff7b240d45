import { Controller, Get } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiSchema,
  ApiTags,
} from '@nestjs/swagger';
import { Allow } from '../auth/allow.decorator.js';
import { Role } from '../auth/roles.js';
import { AuditService } from './audit.service.js';

@ApiSchema({ description: 'The outcome of walking the audit log’s hash chain (审计链)' })
class AuditVerifyDto {
  @ApiProperty({
    description:
      'true when every row matches its keyed hash, links to the one before, and the latest anchor kept outside the database names a row still there with the same hash',
  })
  ok!: boolean;
  @ApiProperty({ description: 'Rows checked and found good' }) checked!: number;
  @ApiPropertyOptional({ description: 'The latest anchor the chain was checked against' })
  anchoredId?: string;
  @ApiPropertyOptional({ description: 'Id of the first broken or missing row' }) brokenId?: string;
  @ApiPropertyOptional({
    description: 'Why the chain is broken, when it is',
    enum: [
      'content_changed',
      'chain_broken',
      'rows_missing',
      'tail_truncated',
      'anchor_mismatch',
      'anchor_invalid',
    ],
  })
  reason?: string;
  @ApiPropertyOptional({ description: 'rows_missing, tail_truncated: the last missing id' })
  missingTo?: string;
}

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Walks the hash chain of the audit log and names the first broken row. */
  @Get('verify')
  @Allow(Role.Admin)
  @ApiOkResponse({
    description: 'The outcome of walking the audit log’s hash chain (审计链)',
    type: AuditVerifyDto,
  })
  @ApiOperation({
    summary: 'Verify the audit log’s hash chain (审计链校验)',
    description: 'Walks the hash chain of the audit log and names the first broken row.',
  })
  verify(): Promise<AuditVerifyDto> {
    return this.audit.verify();
  }
}
