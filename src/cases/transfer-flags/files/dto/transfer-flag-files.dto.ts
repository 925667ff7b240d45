import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ENCODING_CHOICES, EncodingChoice, FLAG_FILE_COLUMNS } from '../flag-file-format.js';

const FLAG_FILE_STATUSES = ['queued', 'processing', 'done', 'failed'] as const;

/** The column table of the OpenAPI description (the README has the same table). */
export const FLAG_FILE_COLUMNS_TEXT = FLAG_FILE_COLUMNS.map(
  (c) => `\`${c.field}\` (${c.chinese.join(' / ')})${c.required ? ' required' : ''}`,
).join('; ');

export class UploadFlagFileQuery {
  @ApiPropertyOptional({
    enum: ENCODING_CHOICES,
    description:
      'The file’s encoding: auto (default: a UTF-8 BOM or valid UTF-8 is UTF-8, anything else GBK), utf-8, or gbk (read as GB18030, its superset)',
  })
  @IsOptional()
  @IsIn(ENCODING_CHOICES)
  encoding?: EncodingChoice;
}

/** The multipart form of the upload (documented; the controller reads the stream itself). */
export const FLAG_FILE_UPLOAD_SCHEMA = {
  type: 'object',
  required: ['file'],
  properties: {
    file: {
      type: 'string',
      format: 'binary',
      description: `The CSV: a header line, then one suspicious transfer per line. Columns: ${FLAG_FILE_COLUMNS_TEXT}`,
    },
  },
};

@ApiSchema({
  description:
    'A bank’s daily file of suspicious transfers (可疑交易批量文件) and how far its processing is',
})
export class TransferFlagFileDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({
    enum: FLAG_FILE_STATUSES,
    description:
      'queued (uploaded, waiting for the job), processing, done, or failed (see error; send the file again)',
  })
  status!: (typeof FLAG_FILE_STATUSES)[number];
  @ApiProperty({ nullable: true, type: String, description: 'The uploaded file’s name' })
  filename!: string | null;
  @ApiProperty({ enum: ['utf-8', 'gb18030'], description: 'The encoding it was read in' })
  encoding!: 'utf-8' | 'gb18030';
  @ApiProperty({ description: 'Size of the upload in bytes' }) sizeBytes!: number;
  @ApiProperty({ description: 'Data rows in the file (the header not counted)' })
  rowsTotal!: number;
  @ApiProperty({ description: 'Rows processed so far' }) rowsDone!: number;
  @ApiProperty({ description: 'Rows stored as new flags' }) accepted!: number;
  @ApiProperty({ description: 'Rows refused as invalid (see the problems CSV)' })
  rejected!: number;
  @ApiProperty({
    description:
      'Rows whose externalRef came earlier in the file or was already sent by the bank (nothing changed)',
  })
  duplicates!: number;
  @ApiProperty({ description: 'Hits of the new flags on cases' }) hits!: number;
  @ApiProperty({ description: 'Dissuasion tasks (劝阻任务) opened' }) dissuasions!: number;
  @ApiProperty({ nullable: true, type: String, description: 'Why a failed file failed' })
  error!: string | null;
  @ApiProperty({ description: 'When it was uploaded (ISO 8601 with offset)' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, description: 'When processing began' })
  startedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'When processing ended' })
  finishedAt!: string | null;
}
