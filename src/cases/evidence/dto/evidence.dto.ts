import { ApiProperty, ApiSchema } from '@nestjs/swagger';

/** One evidence file (电子数据证据) of a case. */
@ApiSchema({ description: 'One evidence file (电子数据证据) of a case' })
export class EvidenceDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Case (案件) id', format: 'uuid' }) caseId!: string;
  @ApiProperty({ example: '银行流水.csv', description: "The uploader's filename, for display" })
  filename!: string;
  @ApiProperty({ description: 'MIME type detected from the file’s bytes', example: 'text/csv' })
  contentType!: string;
  @ApiProperty({ description: 'Length in bytes' }) size!: number;
  @ApiProperty({
    example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    description: 'SHA-256 (hex) of the bytes, taken on upload and checked on every download',
  })
  sha256!: string;
  @ApiProperty({ description: 'What the file shows', nullable: true, type: String }) description!:
    string | null;
  @ApiProperty({ description: 'Who uploaded it', format: 'uuid' }) uploadedById!: string;
  @ApiProperty({ description: 'When it was uploaded' }) uploadedAt!: string;
}

/** The multipart form of an upload, for the API description (the controller reads the parts). */
export const EVIDENCE_UPLOAD_SCHEMA = {
  type: 'object',
  required: ['file'],
  properties: {
    file: { type: 'string', format: 'binary', description: 'Exactly one file' },
    description: { type: 'string', maxLength: 2000 },
  },
};
