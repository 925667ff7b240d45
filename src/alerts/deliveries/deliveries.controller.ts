import { Body, Controller, Get, HttpCode, Param, Post, Query, Redirect, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { ApiProperty } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '../../common/auth/actor.js';
import { Allow, Public } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { IdParam } from '../../common/http/id-param.js';
import { DELIVERY_PAGE_CSP, deliveryPageHtml, deliveryProblemHtml } from './delivery-page.js';
import { AckDeliveryDto, AckResultDto, FullMessageDto } from './dto/delivery.dto.js';
import { DeliveriesService } from './deliveries.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';

class TokenQuery {
  @ApiProperty({ description: 'The signed token of the link sent with the message' })
  @IsString()
  @Length(1, 200)
  token!: string;
}

/** Where the link in a message leads: the delivery's page for phones. */
const pagePath = (id: string, token: string) =>
  `/m/deliveries/${id}?token=${encodeURIComponent(token)}`;

/**
 * What a coordinator reaches from a message, for API clients: the acknowledgement (with the
 * link's signed, expiring token, or logged in) and the full text of a message that had to be cut.
 * People tapping the link get the page of DeliveryPageController instead.
 */
@ApiTags('deliveries')
@Controller('deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

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
    return this.deliveries.acknowledge(dto.token ? null : actor, id, dto.token);
  }

  /**
   * The link of messages sent before the page existed. A GET never acknowledges (link previews
   * and crawlers fetch links): it sends the reader to the page, whose button does.
   */
  @Get(':id/ack')
  @Public()
  @ApiOperation({
    summary: 'Old acknowledgement link: redirects to the page (never acknowledges)',
    description:
      'Messages sent earlier link here. Answers 303 to /m/deliveries/{id}?token=…, the page whose ' +
      'button acknowledges. API clients acknowledge with POST /api/v1/deliveries/{id}/ack.',
  })
  @ApiResponse({ status: 303, description: 'To the page of the delivery' })
  @ApiErrors(400)
  @Redirect(undefined, 303)
  ackByLink(@IdParam() id: string, @Query() q: TokenQuery): { url: string } {
    return { url: pagePath(id, q.token) };
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
    return this.deliveries.fullMessage(id, q.token);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The page a WeChat user reaches by tapping the link in a message (outside /api/v1): the warning
 * in Chinese at a phone's width, 96110 to call, and a button that acknowledges by POST. Every
 * answer is a page, errors included (a person reads it, not a client).
 */
@ApiTags('deliveries')
@Controller('m/deliveries')
export class DeliveryPageController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get(':id')
  @Public()
  @ApiOperation({
    summary: 'The page of a message, for phones (HTML; opening it never acknowledges)',
    description:
      'The link in every warning message. Shows the warning, the typical script, 96110 and an ' +
      'acknowledgement button (a form POST to the same path). A bad or expired token is a 403 page, ' +
      'an unknown delivery a 404 page, a withdrawn warning a 410 page.',
  })
  @ApiProduces('text/html')
  @ApiParam({ name: 'id', description: 'The delivery (推送) the message was' })
  @ApiQuery({ name: 'token', description: 'The signed token of the link sent with the message' })
  @ApiOkResponse({ description: 'The page' })
  show(
    @Param('id') id: string,
    @Query('token') token: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    return this.render(id, token, false, reply);
  }

  @Post(':id')
  @HttpCode(200)
  @Public()
  @ApiOperation({
    summary: 'The page’s button: acknowledges (已收到), idempotent, and answers the page',
    description:
      'A form post (application/x-www-form-urlencoded) with the link’s token in the body. ' +
      'Acknowledging again keeps the first acknowledgement.',
  })
  @ApiProduces('text/html')
  @ApiParam({ name: 'id', description: 'The delivery (推送) the message was' })
  @ApiBody({ type: AckDeliveryDto })
  @ApiOkResponse({ description: 'The page, showing 已确认收到' })
  acknowledge(
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const token =
      typeof body === 'object' && body !== null
        ? (body as Record<string, unknown>).token
        : undefined;
    return this.render(id, token, true, reply);
  }

  private async render(
    id: string,
    token: unknown,
    acknowledge: boolean,
    reply: FastifyReply,
  ): Promise<string> {
    void reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .header('x-robots-tag', 'noindex, nofollow')
      .header('content-security-policy', DELIVERY_PAGE_CSP);
    if (!UUID.test(id)) return this.problem(reply, 'not_found');
    if (typeof token !== 'string' || token.length === 0 || token.length > 200)
      return this.problem(reply, 'invalid');
    const page = await this.deliveries.deliveryPage(id.toLowerCase(), token, acknowledge);
    if ('problem' in page) return this.problem(reply, page.problem);
    return deliveryPageHtml(page.view);
  }

  private problem(reply: FastifyReply, problem: Parameters<typeof deliveryProblemHtml>[0]): string {
    const p = deliveryProblemHtml(problem);
    void reply.status(p.status);
    return p.html;
  }
}
