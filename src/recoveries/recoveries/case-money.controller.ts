import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { ApiErrors } from '../../common/http/api-errors.js';
import { IdParam } from '../../common/http/id-param.js';
import { CaseMoneyDto } from './dto/recovery.dto.js';
import { RecoveriesService } from './recoveries.service.js';

/** A case's money, read by the case's own officers even when another unit asked the bank. */
@ApiTags('recoveries')
@Controller('cases')
export class CaseMoneyController {
  constructor(private readonly recoveries: RecoveriesService) {}

  @Get(':id/money')
  @Allow(Role.Admin, Role.Supervisor, Role.Officer)
  @ApiOperation({
    summary: 'What was frozen, recovered, allocated and returned for a case',
    description:
      'Per victim of the case (masked): each allocation with its recovery, the order’s bank and kind, the unit that ran it, the ceremony and when it was signed for; whichever unit ran the order. Victims of other cases are never shown.',
  })
  @ApiOkResponse({ type: CaseMoneyDto, description: 'The case’s orders, money totals and victims' })
  @ApiErrors(400, { status: 404, description: 'No such case in the caller’s scope' })
  money(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<CaseMoneyDto> {
    return this.recoveries.caseMoney(actor, id);
  }
}
