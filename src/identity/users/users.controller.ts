import { Body, Controller, Get, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { IdParam } from '../../common/http/id-param.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { CreateUserDto, ListUsersQuery, UpdateUserDto, UserDto, UserPage } from './dto/user.dto.js';
import { UsersService } from './users.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Admins see everyone; supervisors the users of their unit subtree. */
  @Get()
  @Allow(Role.Admin, Role.Supervisor)
  @ApiOkResponse({ description: 'One page of users', type: UserPage })
  @ApiOperation({
    summary: 'List users',
    description: 'Admins see everyone; supervisors the users of their unit subtree.',
  })
  @ApiErrors(400)
  list(@CurrentActor() actor: Actor, @Query() query: ListUsersQuery): Promise<UserPage> {
    return this.users.list(actor, query);
  }

  @Post()
  @Allow(Role.Admin)
  @ApiCreatedResponse({ description: 'A user account', type: UserDto })
  @ApiOperation({ summary: 'Create a user' })
  @ApiErrors(400, 413, { status: 409, description: 'The username is taken' })
  async create(@Body() dto: CreateUserDto): Promise<UserDto> {
    return UserDto.from(await this.users.create(dto));
  }

  /** Change name, role, unit, phone or password, or disable (tokens already issued stop working). */
  @Patch(':id')
  @Allow(Role.Admin)
  @ApiOkResponse({ description: 'A user account', type: UserDto })
  @ApiOperation({
    summary: 'Update or disable a user',
    description:
      'Change name, role, unit, phone or password, or disable (tokens already issued stop working).',
  })
  @ApiErrors(400, 404, 413, {
    status: 409,
    description: 'An admin may not disable or demote their own account',
  })
  async update(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Body() dto: UpdateUserDto,
  ): Promise<UserDto> {
    return UserDto.from(await this.users.update(actor, id, dto));
  }
}
