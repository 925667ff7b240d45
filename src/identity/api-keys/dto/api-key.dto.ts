import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import { ApiKey } from '../entities/api-key.entity.js';

@ApiSchema({ description: 'A new API key for the caller’s bank' })
export class CreateApiKeyDto {
  @ApiProperty({ format: 'uuid', description: 'A unit of kind bank' })
  @IsUUID()
  unitId!: string;

  @ApiProperty({ description: 'What the key is for', example: '核心系统可疑交易报送' })
  @IsString()
  @Length(1, 100)
  name!: string;
}

export class ListApiKeysQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only keys of this bank unit', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  unitId?: string;
}

@ApiSchema({
  description:
    'An API key with which a bank’s system calls the API (X-Api-Key); the secret is never shown again',
})
export class ApiKeyDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'The bank the key acts for', format: 'uuid' }) unitId!: string;
  @ApiProperty({ description: 'What the key is for' }) name!: string;
  @ApiProperty({
    description: 'The first characters of the key, to recognise it',
    example: 'jwk_3f9a1c2b',
  })
  keyPrefix!: string;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;
  @ApiProperty({
    description: 'When it was revoked; null while valid',
    nullable: true,
    type: String,
  })
  revokedAt!: string | null;
  @ApiProperty({
    description: 'When it last authenticated a request',
    nullable: true,
    type: String,
  })
  lastUsedAt!: string | null;

  static from(k: ApiKey): ApiKeyDto {
    return {
      id: k.id,
      unitId: k.unitId,
      name: k.name,
      keyPrefix: k.keyPrefix,
      createdAt: k.createdAt.toISOString(),
      revokedAt: k.revokedAt?.toISOString() ?? null,
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    };
  }
}

@ApiSchema({ description: 'A just-issued API key, with its secret shown this once' })
export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself, shown this once only; send it as X-Api-Key' })
  key!: string;
}

@ApiSchema({ description: 'One page of API keys' })
export class ApiKeyPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [ApiKeyDto] }) items!: ApiKeyDto[];
}
