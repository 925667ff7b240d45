import {
  Controller,
  Get,
  HttpStatus,
  Inject,
  Post,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProduces,
  ApiTags,
} from '@nestjs/swagger';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import type { Actor } from '../../common/auth/actor.js';
import { Allow } from '../../common/auth/allow.decorator.js';
import { CurrentActor } from '../../common/auth/current-actor.decorator.js';
import { Role } from '../../common/auth/roles.js';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { ApiError, badRequest, ErrorBody } from '../../common/http/errors.js';
import { IdParam } from '../../common/http/id-param.js';
import { EVIDENCE_UPLOAD_SCHEMA, EvidenceDto } from './dto/evidence.dto.js';
import { EvidenceService, FormPart, MAX_DESCRIPTION } from './evidence.service.js';
import { ApiErrors } from '../../common/http/api-errors.js';

/** Bank liaisons and community police have no access to case evidence. */
const EVIDENCE_READERS = [Role.Admin, Role.Supervisor, Role.Officer] as const;
const EVIDENCE_WRITERS = [Role.Supervisor, Role.Officer] as const;

/**
 * `Content-Disposition: attachment` with an ASCII fallback name and the exact name in RFC 5987
 * `filename*` (UTF-8, percent-encoded), which browsers use for Chinese names.
 */
export function contentDisposition(filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%;]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/** Turns the multipart plugin's limit errors into the API's one error shape, naming the field. */
function formError(err: unknown, maxBytes: number): unknown {
  switch ((err as { code?: unknown } | null)?.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, `file is larger than ${maxBytes} bytes`, [
        { field: 'file', problem: `must be at most ${maxBytes} bytes` },
      ]);
    case 'FST_FILES_LIMIT':
      return badRequest('file', 'must be exactly one file');
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return badRequest('body', 'has more parts than this form has fields (file, description)');
    case 'FST_PROTO_VIOLATION':
      return badRequest('body', 'names a forbidden field');
    default:
      return err;
  }
}

/** The bytes of one uploaded file; errors (413) at its end if the size limit cut it short. */
async function* untilLimit(file: MultipartFile['file'], maxBytes: number): AsyncGenerator<Buffer> {
  for await (const chunk of file as AsyncIterable<Buffer>) yield chunk;
  if (file.truncated) throw formError({ code: 'FST_REQ_FILE_TOO_LARGE' }, maxBytes);
}

/** The parts of a multipart upload, in order, with the plugin's errors in the API's shape. */
async function* formParts(req: FastifyRequest, maxBytes: number): AsyncGenerator<FormPart> {
  try {
    for await (const part of req.parts({ limits: { files: 1, fields: 4, parts: 5 } })) {
      if (part.type === 'file') {
        yield {
          kind: 'file',
          field: part.fieldname,
          filename: part.filename,
          contentType: part.mimetype,
          stream: Readable.from(untilLimit(part.file, maxBytes), { objectMode: false }),
        };
      } else {
        yield {
          kind: 'field',
          field: part.fieldname,
          value: typeof part.value === 'string' ? part.value : String(part.value),
          truncated: part.valueTruncated,
        };
      }
    }
  } catch (err) {
    throw formError(err, maxBytes);
  }
}

@ApiTags('evidence')
@Controller('cases/:id/evidence')
export class EvidenceController {
  constructor(
    private readonly evidence: EvidenceService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** 上传电子数据证据: multipart with one `file` and an optional `description`. */
  @Post()
  @Allow(...EVIDENCE_WRITERS)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: EVIDENCE_UPLOAD_SCHEMA })
  @ApiCreatedResponse({
    description: 'One evidence file (电子数据证据) of a case',
    type: EvidenceDto,
  })
  @ApiBadRequestResponse({ type: ErrorBody, description: 'No file, or a field not of the form' })
  @ApiPayloadTooLargeResponse({
    type: ErrorBody,
    description: 'The file is over EVIDENCE_MAX_BYTES',
  })
  @ApiOperation({
    summary: 'Upload an evidence file (电子数据证据)',
    description: '上传电子数据证据: multipart with one `file` and an optional `description`.',
  })
  @ApiErrors(404)
  upload(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @Req() req: FastifyRequest,
  ): Promise<EvidenceDto> {
    if (!req.isMultipart()) {
      throw badRequest(
        'file',
        `is required: send multipart/form-data with one file named file (and optionally a description of at most ${MAX_DESCRIPTION} characters)`,
      );
    }
    return this.evidence.upload(actor, id, formParts(req, this.config.evidenceMaxBytes));
  }

  @Get()
  @Allow(...EVIDENCE_READERS)
  @ApiOkResponse({
    description: 'A list, each: one evidence file (电子数据证据) of a case',
    type: [EvidenceDto],
  })
  @ApiOperation({ summary: 'The case’s evidence files' })
  @ApiErrors(400, 404)
  list(@CurrentActor() actor: Actor, @IdParam() id: string): Promise<EvidenceDto[]> {
    return this.evidence.list(actor, id);
  }

  /** The file as uploaded, after its SHA-256 was checked again; `x-sha256` carries it. */
  @Get(':evidenceId/download')
  @Allow(...EVIDENCE_READERS)
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The file, with Content-Disposition and x-sha256' })
  @ApiOperation({
    summary: 'Download an evidence file',
    description:
      'The file as uploaded, after its SHA-256 was checked again; `x-sha256` carries it.',
  })
  @ApiErrors(400, 404, {
    status: 409,
    description: 'evidence integrity check failed: the stored bytes no longer match their SHA-256',
  })
  async download(
    @CurrentActor() actor: Actor,
    @IdParam() id: string,
    @IdParam('evidenceId') evidenceId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<StreamableFile> {
    const { evidence, stream } = await this.evidence.download(actor, id, evidenceId);
    void reply
      .header('x-sha256', evidence.sha256)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store');
    return new StreamableFile(stream, {
      type: evidence.contentType,
      length: evidence.size,
      disposition: contentDisposition(evidence.filename),
    });
  }
}
