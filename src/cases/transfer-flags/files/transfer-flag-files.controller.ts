import {
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { Actor } from '../../../common/auth/actor.js';
import { Allow } from '../../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../../common/auth/current-actor.decorator.js';
import { Role } from '../../../common/auth/roles.js';
import { APP_CONFIG, AppConfig } from '../../../common/config/config.js';
import { ApiErrors } from '../../../common/http/api-errors.js';
import { ApiError, badRequest } from '../../../common/http/errors.js';
import { IdParam } from '../../../common/http/id-param.js';
import {
  FLAG_FILE_COLUMNS_TEXT,
  FLAG_FILE_UPLOAD_SCHEMA,
  TransferFlagFileDto,
  UploadFlagFileQuery,
} from './dto/transfer-flag-files.dto.js';
import { TransferFlagFilesService } from './transfer-flag-files.service.js';

const tooLarge = (maxBytes: number) =>
  new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, `file is larger than ${maxBytes} bytes`, [
    { field: 'file', problem: `must be at most ${maxBytes} bytes; split it` },
  ]);

const stalled = (stallMs: number) =>
  new ApiError(HttpStatus.REQUEST_TIMEOUT, 'file upload stalled', [
    {
      field: 'file',
      problem: `no data came for ${stallMs / 1000} s; send the file again`,
    },
  ]);

/**
 * The file's bytes; the multipart plugin's size limit becomes the API's 413 naming the field.
 * While it waits for the client's next bytes (not while the database takes the last ones), at most
 * `stallMs`: the upload holds a pooled connection and its bank's upload lock, and a client that
 * stops sending would otherwise keep both as long as it keeps the socket open. The stall ends the
 * upload with a 408, its transaction rolled back.
 */
async function* fileBytes(
  file: MultipartFile,
  maxBytes: number,
  stallMs: number,
): AsyncGenerator<Buffer> {
  const arm = () => setTimeout(() => file.file.destroy(stalled(stallMs)), stallMs);
  let timer = arm();
  try {
    for await (const chunk of file.file as AsyncIterable<Buffer>) {
      clearTimeout(timer);
      yield chunk;
      timer = arm();
    }
  } catch (err) {
    if ((err as { code?: unknown }).code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge(maxBytes);
    throw err;
  } finally {
    clearTimeout(timer);
  }
  if (file.file.truncated) throw tooLarge(maxBytes);
}

/** Banks' daily files of suspicious transfers (可疑交易批量文件). */
@ApiTags('transfer-flags')
@Controller('transfer-flags/files')
export class TransferFlagFilesController {
  constructor(
    private readonly files: TransferFlagFilesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(202)
  @Allow(Role.BankLiaison)
  @ApiSecurity('bank-api-key')
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: FLAG_FILE_UPLOAD_SCHEMA })
  @ApiOperation({
    summary: 'Send a day’s suspicious transfers as one CSV file (可疑交易批量报送)',
    description:
      'multipart/form-data with one `file`: CSV (RFC 4180; UTF-8 with or without BOM, or GBK; see `encoding`), a header ' +
      `line, then one transfer per line. Columns (English name or the Chinese one; any order): ${FLAG_FILE_COLUMNS_TEXT}. ` +
      'Every row is checked with the rules of POST /transfer-flags; `occurredAt` may also be `YYYY-MM-DD HH:MM:SS` ' +
      '(China time); `amountFen` is digits. Row numbers count the header as row 1. Up to FLAG_FILE_MAX_ROWS ' +
      '(1,000,000) rows and FLAG_FILE_MAX_BYTES (512 MiB), one upload per bank at a time and at most 3 files ' +
      'waiting. Answers 202 once the file is staged; a job stores it (poll GET …/files/:id; per-row answers ' +
      'at GET …/files/:id/problems). A row whose externalRef came earlier in the file, or that the bank sent ' +
      'before, is a duplicate and changes nothing.',
  })
  @ApiAcceptedResponse({
    type: TransferFlagFileDto,
    description: 'The file is staged and queued; its id to follow it',
  })
  @ApiErrors(
    {
      status: 400,
      description:
        'No file, a bad header (unknown, repeated or missing column), bad UTF-8, an empty file',
    },
    { status: 408, description: 'The upload stalled: no data for FLAG_FILE_STALL_MS (30 s)' },
    409,
    { status: 413, description: 'Over the size or row limit (details name `file`)' },
    {
      status: 503,
      description:
        'Other banks’ files are being received (FLAG_FILE_UPLOADS_IN_FLIGHT at once): send again after Retry-After',
    },
  )
  upload(
    @CurrentActor() actor: Actor,
    @Query() q: UploadFlagFileQuery,
    @Req() req: FastifyRequest,
  ): Promise<TransferFlagFileDto> {
    return this.receive(actor, q, req);
  }

  private async receive(
    actor: Actor,
    q: UploadFlagFileQuery,
    req: FastifyRequest,
  ): Promise<TransferFlagFileDto> {
    const required = badRequest(
      'file',
      'is required: multipart/form-data with one CSV file named file',
    );
    if (!req.isMultipart()) throw required;
    const maxBytes = this.config.flagFiles.maxBytes;
    let part: MultipartFile | undefined;
    try {
      part = await req.file({ limits: { fileSize: maxBytes, files: 1, fields: 0, parts: 1 } });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && code.startsWith('FST_')) {
        throw badRequest('body', 'must be one file named file and nothing else');
      }
      throw err;
    }
    if (!part || part.fieldname !== 'file') {
      part?.file.resume();
      throw required;
    }
    const stream = Readable.from(fileBytes(part, maxBytes, this.config.flagFiles.stallMs), {
      objectMode: false,
    });
    // The pipeline reports its errors; this stops a late one of a stream it already dropped from
    // being an unhandled 'error' event.
    stream.on('error', () => undefined);
    try {
      return await this.files.upload(
        actor,
        { stream, filename: part.filename || null },
        q.encoding ?? 'auto',
      );
    } catch (err) {
      // The rest of a refused file is read and dropped (up to the size limit), so the client,
      // still sending, gets the answer instead of a reset connection.
      part.file.resume();
      throw err;
    }
  }

  @Get(':id')
  @Allow(Role.BankLiaison)
  @ApiSecurity('bank-api-key')
  @ApiOperation({
    summary: 'A flag file and its progress',
    description:
      'Status, rows done of total, accepted, rejected, duplicates, hits. Only the sending bank’s files.',
  })
  @ApiOkResponse({ type: TransferFlagFileDto, description: 'The file and its progress' })
  @ApiErrors(404)
  get(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<TransferFlagFileDto> {
    return this.files.get(actor, id);
  }

  @Get(':id/problems')
  @Allow(Role.BankLiaison)
  @ApiSecurity('bank-api-key')
  @ApiProduces('text/csv')
  @ApiOperation({
    summary: 'The per-row answers of a flag file, as CSV',
    description:
      'One line per problem, in row order: `row,externalRef,field,problem` (UTF-8 with BOM; row 1 is the header). ' +
      'Invalid rows name each failing field; duplicates name `externalRef` and the earlier row or flag. ' +
      'Complete once the file is done.',
  })
  @ApiOkResponse({ description: 'CSV: row, externalRef, field, problem' })
  @ApiErrors(404)
  async problems(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const stream = await this.files.problemsCsv(actor, id);
    void reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="flag-file-${id}-problems.csv"`)
      .header('cache-control', 'private, no-store');
    return new StreamableFile(stream);
  }
}
