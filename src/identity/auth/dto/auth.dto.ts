import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { Role } from '../../../common/auth/roles.js';
import { UnitDto } from '../../units/dto/unit.dto.js';

@ApiSchema({ description: 'Credentials to sign in' })
export class LoginDto {
  @ApiProperty({ description: 'Username', example: 'admin' })
  @IsString()
  @Length(1, 64)
  username!: string;

  @ApiProperty({ description: 'Password', example: 'jingwang-admin' })
  @IsString()
  @Length(1, 128)
  password!: string;
}

@ApiSchema({ description: 'A bearer token for the Authorization header' })
export class TokenDto {
  @ApiProperty({ description: 'JWT; send as Authorization: Bearer <token>' }) accessToken!: string;
  @ApiProperty({ description: 'Always Bearer', example: 'Bearer' }) tokenType!: 'Bearer';
  @ApiProperty({ description: 'Seconds until the token expires', example: 28800 })
  expiresIn!: number;
}

@ApiSchema({ description: 'The caller: a user or a bank API key, with its role and unit' })
export class MeDto {
  @ApiProperty({ description: 'A user, or a bank’s API key', enum: ['user', 'api_key'] }) kind!:
    'user' | 'api_key';
  @ApiProperty({ description: 'User or API key id', format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Username, or the API key name' }) username!: string;
  @ApiProperty({ description: 'User’s name or API key’s name' }) displayName!: string;
  @ApiProperty({
    description:
      'Role: admin, supervisor (领导), officer (民警), bank_liaison (银行联络员), community_police (社区民警)',
    enum: Role,
  })
  role!: Role;
  @ApiProperty({ description: 'The caller’s unit', type: UnitDto }) unit!: UnitDto;
  @ApiProperty({ description: 'Whether this caller may ask to see victim PII (?reveal=pii)' })
  canSeePii!: boolean;
}
