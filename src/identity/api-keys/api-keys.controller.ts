import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { IdParam } from '../../common/http/id-param.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { ApiKeysService } from './api-keys.service.js';
import {
  ApiKeyDto,
  ApiKeyPage,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  ListApiKeysQuery,
} from './dto/api-key.dto.js';
import { ApiErrors } from '../../common/http/api-errors.js';

/** Keys for bank systems (可疑交易报送接口); a key acts as a liaison of its bank. */
@ApiTags('api-keys')
@Controller('api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @Allow(Role.Admin)
  @ApiOkResponse({ description: 'One page of API keys', type: ApiKeyPage })
  @ApiOperation({ summary: 'List bank API keys' })
  @ApiErrors(400)
  list(@CurrentActor() actor: Actor, @Query() query: ListApiKeysQuery): Promise<ApiKeyPage> {
    return this.keys.list(actor, query);
  }

  @Post()
  @Allow(Role.Admin)
  @ApiCreatedResponse({
    type: CreatedApiKeyDto,
    description: 'The key is in the answer this once only',
  })
  @ApiOperation({ summary: 'Issue an API key for a bank’s system' })
  @ApiErrors(400, 413)
  create(@CurrentActor() actor: Actor, @Body() dto: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.keys.create(actor, dto);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @Allow(Role.Admin)
  @ApiOkResponse({
    description:
      'An API key with which a bank’s system calls the API (X-Api-Key); the secret is never shown again',
    type: ApiKeyDto,
  })
  @ApiOperation({ summary: 'Revoke an API key' })
  @ApiErrors(400, 404, { status: 409, description: 'The key is already revoked' })
  revoke(@IdParam() id: string): Promise<ApiKeyDto> {
    return this.keys.revoke(id);
  }
}
