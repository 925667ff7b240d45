import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { Role } from '../../common/auth/roles.js';
import { UnitDto } from './unit.dto.js';

export class LoginDto {
  @ApiProperty({ example: 'admin' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ example: 'jingwang-admin' })
  @IsString()
  @Length(1, 128)
  password!: string;
}

export class TokenDto {
  @ApiProperty({ description: 'JWT; send as Authorization: Bearer <token>' }) accessToken!: string;
  @ApiProperty({ example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty({ example: 28800 }) expiresIn!: number;
}

export class MeDto {
  @ApiProperty({ enum: ['user', 'api_key'] }) kind!: 'user' | 'api_key';
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Username, or the API key name' }) username!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: Role }) role!: Role;
  @ApiProperty({ type: UnitDto }) unit!: UnitDto;
  @ApiProperty({ description: 'Whether this caller may ask to see victim PII (?reveal=pii)' })
  canSeePii!: boolean;
}
