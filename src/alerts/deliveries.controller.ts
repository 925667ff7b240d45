import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import type { Actor } from '../common/auth/actor.js';
import { Allow, Public } from '../common/auth/allow.decorator.js';
import { CurrentActor } from '../common/auth/current-actor.decorator.js';
import { Role } from '../common/auth/roles.js';
import { IdParam } from '../common/http/id-param.js';
import { AckDeliveryDto, AckResultDto, FullMessageDto } from './dto/warning.dto.js';
import { WarningsService } from './warnings.service.js';
import { ApiErrors } from '../common/http/api-errors.js';

class TokenQuery {
  @ApiProperty({ description: 'The signed token of the link sent with the message' })
  @IsString()
  @Length(1, 200)
  token!: string;
}

/**
 * What a coordinator reaches from a message: the acknowledgement link (signed, expiring) and the
 * full text of a message that had to be cut. The links need no login; the token is the credential.
 */
@ApiTags('deliveries')
@Controller('deliveries')
export class DeliveriesController {
  constructor(private readonly warnings: WarningsService) {}

  /** 已收到, recorded by a logged-in officer of the coordinator's area (or with the link's token). */
  @Post(':id/ack')
  @HttpCode(200)
  @Allow(Role.CommunityPolice, Role.Supervisor, Role.Officer)
  @ApiOkResponse({ description: 'A delivery after its acknowledgement', type: AckResultDto })
  @ApiOperation({
    summary: 'Acknowledge a delivered warning (已收到)',
    description:
      "已收到, recorded by a logged-in officer of the coordinator's area (or with the link's token).",
  })
  @ApiErrors(400, 404, 413)
  ack(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: AckDeliveryDto,
  ): Promise<AckResultDto> {
    return this.warnings.acknowledge(dto.token ? null : actor, id, dto.token);
  }

  /** The link in the message itself: opening it acknowledges (idempotent). */
  @Get(':id/ack')
  @Public()
  @ApiOkResponse({ description: 'A delivery after its acknowledgement', type: AckResultDto })
  @ApiOperation({
    summary: 'Acknowledge a delivered warning through the link in the message',
    description: 'The link in the message itself: opening it acknowledges (idempotent).',
  })
  @ApiErrors(400, 404)
  ackByLink(@IdParam() id: string, @Query() q: TokenQuery): Promise<AckResultDto> {
    return this.warnings.acknowledge(null, id, q.token);
  }

  /** The whole text behind "阅读全文". */
  @Get(':id/message')
  @Public()
  @ApiOkResponse({
    description: 'The whole text of a delivered warning (阅读全文)',
    type: FullMessageDto,
  })
  @ApiOperation({
    summary: 'The full text of a delivered warning (阅读全文)',
    description: 'The whole text behind "阅读全文".',
  })
  @ApiErrors(400, 404)
  message(@IdParam() id: string, @Query() q: TokenQuery): Promise<FullMessageDto> {
    return this.warnings.fullMessage(id, q.token);
  }
}
