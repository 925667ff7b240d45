import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiSchema,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Public } from '../auth/allow.decorator.js';
import { QueueService, withTimeout } from '../queue/queue.service.js';

@ApiSchema({ description: 'The state of one dependency' })
class CheckDto {
  @ApiProperty({ description: 'up when it answers', enum: ['up', 'down'] }) status!: 'up' | 'down';
  @ApiProperty({ description: 'Why it is down', required: false }) error?: string;
}
@ApiSchema({ description: 'Liveness and readiness of the service' })
class HealthDto {
  @ApiProperty({ description: 'ok when every dependency is up', enum: ['ok', 'error'] }) status!:
    'ok' | 'error';
  @ApiProperty({ description: 'PostgreSQL', type: CheckDto }) database!: CheckDto;
  @ApiProperty({ type: CheckDto, description: 'The BullMQ store: Redis or PostgreSQL' })
  queue!: CheckDto & { backend?: string };
}

async function check(fn: () => Promise<unknown>): Promise<CheckDto> {
  try {
    await fn();
    return { status: 'up' };
  } catch (err) {
    return { status: 'down', error: (err as Error).message };
  }
}

@ApiTags('ops')
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly queues: QueueService,
  ) {}

  /** 200 when the database and the queue store answer; 503 when either does not. */
  @Get()
  @Public()
  @ApiOkResponse({ description: 'Liveness and readiness of the service', type: HealthDto })
  @ApiServiceUnavailableResponse({ type: HealthDto })
  @ApiOperation({
    summary: 'Liveness and readiness: database and queue store',
    description: '200 when the database and the queue store answer; 503 when either does not.',
  })
  async health(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    const [database, queue] = await Promise.all([
      check(() => withTimeout(this.ds.query('SELECT 1'), 2000, 'database')),
      check(() => this.queues.ping()),
    ]);
    const ok = database.status === 'up' && queue.status === 'up';
    void reply.status(ok ? 200 : 503);
    return {
      status: ok ? 'ok' : 'error',
      database,
      queue: { ...queue, backend: this.queues.backendKind },
    };
  }
}
