import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { ErrorBody } from '../../common/http/errors.js';
import { IdParam } from '../../common/http/id-param.js';
import {
  AnswerFreezeOrderDto,
  ConvertFreezeOrderDto,
  CreateFreezeOrderDto,
  FreezeOrderDto,
  FreezeOrderNoteDto,
  FreezeOrderPage,
  ListFreezeOrdersQuery,
} from './dto/freeze-order.dto.js';
import { FreezeOrdersService } from './freeze-orders.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';

/** Police of the owning unit's subtree, and the bank asked (its liaisons and API keys); admins read all. */
const ORDER_READERS = [Role.Admin, Role.Supervisor, Role.Officer, Role.BankLiaison] as const;
const ORDER_WRITERS = [Role.Supervisor, Role.Officer] as const;

/** 止付/冻结 orders to banks. */
@ApiTags('freeze-orders')
@Controller('freeze-orders')
export class FreezeOrdersController {
  constructor(private readonly orders: FreezeOrdersService) {}

  /** Police see their subtree's orders; a bank sees the orders addressed to it (its inbox). */
  @Get()
  @Allow(...ORDER_READERS)
  @ApiSecurity('bank-api-key')
  @ApiOkResponse({
    description: 'One page of stop-payment and freeze orders',
    type: FreezeOrderPage,
  })
  @ApiOperation({
    summary: 'List stop-payment (紧急止付) and freeze (冻结) orders',
    description:
      "Police see their subtree's orders; a bank sees the orders addressed to it (its inbox).",
  })
  @ApiErrors(400)
  list(@CurrentActor() actor: Actor, @Query() q: ListFreezeOrdersQuery): Promise<FreezeOrderPage> {
    return this.orders.list(actor, q);
  }

  /** 发起紧急止付 / 冻结 for a bank account of a case the caller may see. */
  @Post()
  @Allow(...ORDER_WRITERS)
  @ApiCreatedResponse({
    description:
      'A stop-payment (紧急止付) or freeze (冻结) order to a bank for an account of a case',
    type: FreezeOrderDto,
  })
  @ApiConflictResponse({
    type: ErrorBody,
    description:
      'A live order of the kind holds the account, or the stop-payment repeat limit is reached',
  })
  @ApiOperation({
    summary: 'Request a stop-payment (紧急止付) or freeze (冻结) of a bank account',
    description: '发起紧急止付 / 冻结 for a bank account of a case the caller may see.',
  })
  @ApiErrors(400, 413)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateFreezeOrderDto): Promise<FreezeOrderDto> {
    return this.orders.create(actor, dto);
  }

  /** The order with its events and golden-hour figures. */
  @Get(':id')
  @Allow(...ORDER_READERS)
  @ApiSecurity('bank-api-key')
  @ApiOkResponse({
    description:
      'A stop-payment (紧急止付) or freeze (冻结) order to a bank for an account of a case',
    type: FreezeOrderDto,
  })
  @ApiOperation({
    summary: 'One stop-payment or freeze order with its events',
    description: 'The order with its events and golden-hour figures.',
  })
  @ApiErrors(400, 404)
  get(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<FreezeOrderDto> {
    return this.orders.get(actor, id);
  }

  /** 银行反馈: frozen, partially_frozen (with frozenFen) or rejected (with a reason). */
  @Post(':id/response')
  @HttpCode(200)
  @Allow(Role.BankLiaison)
  @ApiSecurity('bank-api-key')
  @ApiOkResponse({
    description:
      'A stop-payment (紧急止付) or freeze (冻结) order to a bank for an account of a case',
    type: FreezeOrderDto,
  })
  @ApiConflictResponse({ type: ErrorBody, description: 'The order was already answered' })
  @ApiOperation({
    summary: 'A bank answers an order (银行反馈)',
    description: '银行反馈: frozen, partially_frozen (with frozenFen) or rejected (with a reason).',
  })
  @ApiErrors(400, 404, 413)
  answer(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: AnswerFreezeOrderDto,
  ): Promise<FreezeOrderDto> {
    return this.orders.answer(actor, id, dto);
  }

  /** 续冻: +6 months from the current expiry, for a live freeze that has not lapsed. */
  @Post(':id/renew')
  @HttpCode(200)
  @Allow(...ORDER_WRITERS)
  @ApiOkResponse({
    description:
      'A stop-payment (紧急止付) or freeze (冻结) order to a bank for an account of a case',
    type: FreezeOrderDto,
  })
  @ApiConflictResponse({ type: ErrorBody, description: 'Not a live freeze, or already lapsed' })
  @ApiOperation({
    summary: 'Renew a freeze (续冻) for six more months',
    description: '续冻: +6 months from the current expiry, for a live freeze that has not lapsed.',
  })
  @ApiErrors(400, 404, 413)
  renew(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: FreezeOrderNoteDto,
  ): Promise<FreezeOrderDto> {
    return this.orders.renew(actor, id, dto);
  }

  /** 解除止付/冻结. */
  @Post(':id/release')
  @HttpCode(200)
  @Allow(...ORDER_WRITERS)
  @ApiOkResponse({
    description:
      'A stop-payment (紧急止付) or freeze (冻结) order to a bank for an account of a case',
    type: FreezeOrderDto,
  })
  @ApiConflictResponse({ type: ErrorBody, description: 'The order is not live' })
  @ApiOperation({
    summary: 'Release a stop-payment or freeze (解除)',
    description: '解除止付/冻结.',
  })
  @ApiErrors(400, 404, 413)
  release(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: FreezeOrderNoteDto,
  ): Promise<FreezeOrderDto> {
    return this.orders.release(actor, id, dto);
  }

  /** 止付转冻结: answers the new freeze order. */
  @Post(':id/convert')
  @HttpCode(200)
  @Allow(...ORDER_WRITERS)
  @ApiOkResponse({ type: FreezeOrderDto, description: 'The freeze the stop-payment became' })
  @ApiConflictResponse({ type: ErrorBody, description: 'Not a live stop-payment, or expired' })
  @ApiOperation({
    summary: 'Convert a stop-payment into a freeze (止付转冻结)',
    description: '止付转冻结: answers the new freeze order.',
  })
  @ApiErrors(400, 404, 413)
  convert(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: ConvertFreezeOrderDto,
  ): Promise<FreezeOrderDto> {
    return this.orders.convert(actor, id, dto);
  }
}
