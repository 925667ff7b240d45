import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { IdParam } from '../../common/http/id-param.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { ANY_ROLE } from '../../common/auth/roles.js';
import {
  ListNotificationsQuery,
  NotificationDto,
  NotificationPage,
} from './dto/notification.dto.js';
import { NotificationsService } from './notifications.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';

/** The caller's own notifications; API keys have none. */
@ApiTags('notifications')
@Controller('notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  @Allow(...ANY_ROLE)
  @ApiOkResponse({ description: 'One page of notifications', type: NotificationPage })
  @ApiOperation({ summary: 'The caller’s notifications (站内通知)' })
  @ApiErrors(400)
  async list(
    @CurrentActor() actor: Actor,
    @Query() query: ListNotificationsQuery,
  ): Promise<NotificationPage> {
    const page = await this.notifications.list(actor, query);
    return { items: page.items.map(NotificationDto.from), nextCursor: page.nextCursor };
  }

  @Post(':id/read')
  @HttpCode(200)
  @Allow(...ANY_ROLE)
  @ApiOkResponse({
    description: 'An in-app notification (站内通知) to the caller',
    type: NotificationDto,
  })
  @ApiOperation({ summary: 'Mark a notification read' })
  @ApiErrors(400, 404)
  async read(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<NotificationDto> {
    return NotificationDto.from(await this.notifications.markRead(actor, id));
  }
}
