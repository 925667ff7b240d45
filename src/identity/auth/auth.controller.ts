import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../common/auth/actor.js';
import { Allow, Public } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { ANY_ROLE, Role } from '../../common/auth/roles.js';
import { ErrorBody } from '../../common/http/errors.js';
import { AuthService } from './auth.service.js';
import { LoginDto, MeDto, TokenDto } from './dto/auth.dto.js';
import { ApiErrors } from '../../common/http/api-errors.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** For an admin, also sets an HttpOnly cookie limited to /queues, to open the queue dashboard. */
  @Post('login')
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ description: 'A bearer token for the Authorization header', type: TokenDto })
  @ApiUnauthorizedResponse({
    type: ErrorBody,
    description: 'Wrong username or password, or a disabled account',
  })
  @ApiTooManyRequestsResponse({
    type: ErrorBody,
    description: 'Too many attempts; see Retry-After',
  })
  @ApiOperation({
    summary: 'Sign in with username and password; answers a bearer token',
    description:
      'For an admin, also sets an HttpOnly cookie limited to /queues, to open the queue dashboard.',
  })
  @ApiErrors(400, 413)
  async login(
    @Body() dto: LoginDto,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenDto> {
    const { token, role } = await this.auth.login(dto.username, dto.password, req.ip);
    // Only admins may open the dashboard, so only they get a cookie; Secure when the browser came
    // over https (behind a TLS-terminating proxy: X-Forwarded-Proto, trusted with TRUST_PROXY).
    if (role === Role.Admin)
      void reply.header(
        'set-cookie',
        `jw_token=${token.accessToken}; Path=/queues; HttpOnly; SameSite=Strict; ` +
          `Max-Age=${token.expiresIn}${req.protocol === 'https' ? '; Secure' : ''}`,
      );
    return token;
  }

  @Get('me')
  @Allow(...ANY_ROLE)
  @ApiOkResponse({
    description: 'The caller: a user or a bank API key, with its role and unit',
    type: MeDto,
  })
  @ApiOperation({ summary: 'The signed-in user' })
  me(@CurrentActor() actor: Actor): Promise<MeDto> {
    return this.auth.me(actor);
  }
}
