import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiSchema, ApiTags } from '@nestjs/swagger';
import { Allow } from '../../common/auth/allow.decorator.js';
import { ANY_ROLE } from '../../common/auth/roles.js';
import { FraudTypesService } from './fraud-types.service.js';

@ApiSchema({ description: 'A fraud type (诈骗类型) with its Chinese and English labels' })
class FraudTypeDto {
  @ApiProperty({ description: 'Code used in cases and warnings', example: 'task_rebate' })
  code!: string;
  @ApiProperty({ description: 'Chinese label', example: '刷单返利' }) labelZh!: string;
  @ApiProperty({ description: 'English label', example: 'Task rebate (fake order brushing)' })
  labelEn!: string;
  @ApiProperty({ example: 2023, description: 'First year the code is current' }) validFrom!: number;
  @ApiProperty({
    nullable: true,
    type: Number,
    description: 'Last year it is current; null while still current',
  })
  validTo!: number | null;
  @ApiProperty({ description: 'The typical script (常见诈骗话术), for warnings' })
  typicalScript!: string;
}

/** The ministry's fraud-type code list, versioned by year (诈骗类型). */
@ApiTags('cases')
@Controller('fraud-types')
export class FraudTypesController {
  constructor(private readonly fraudTypes: FraudTypesService) {}

  @Get()
  @Allow(...ANY_ROLE)
  @ApiOkResponse({
    description: 'A list, each: a fraud type (诈骗类型) with its Chinese and English labels',
    type: [FraudTypeDto],
  })
  @ApiOperation({ summary: 'The fraud types (诈骗类型) a case may have' })
  list(): Promise<FraudTypeDto[]> {
    return this.fraudTypes.list();
  }
}
