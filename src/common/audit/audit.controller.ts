import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Allow } from '../auth/allow.decorator.js';
import { Role } from '../auth/roles.js';
import { AuditService } from './audit.service.js';

class AuditVerifyDto {
  @ApiProperty({ description: 'true when every row matches its hash and links to the one before' })
  ok!: boolean;
  @ApiProperty({ description: 'Rows checked and found good' }) checked!: number;
  @ApiPropertyOptional({ description: 'Id of the first broken row' }) brokenId?: string;
  @ApiPropertyOptional({ enum: ['content_changed', 'chain_broken'] }) reason?: string;
}

@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** Walks the hash chain of the audit log and names the first broken row. */
  @Get('verify')
  @Allow(Role.Admin)
  @ApiOkResponse({ type: AuditVerifyDto })
  verify(): Promise<AuditVerifyDto> {
    return this.audit.verify();
  }
}
