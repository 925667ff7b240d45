import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageMeta, PageQuery } from '../../common/pagination/pagination.js';
import { ApiKey } from '../entities/api-key.entity.js';

export class CreateApiKeyDto {
  @ApiProperty({ format: 'uuid', description: 'A unit of kind bank' })
  @IsUUID()
  unitId!: string;

  @ApiProperty({ example: '核心系统可疑交易报送' })
  @IsString()
  @Length(1, 100)
  name!: string;
}

export class ListApiKeysQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() unitId?: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'jwk_3f9a1c2b' }) keyPrefix!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) lastUsedAt!: string | null;

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

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The key itself, shown this once only; send it as X-Api-Key' })
  key!: string;
}

export class ApiKeyPage extends PageMeta {
  @ApiProperty({ type: [ApiKeyDto] }) items!: ApiKeyDto[];
}
