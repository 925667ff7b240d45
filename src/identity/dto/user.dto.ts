import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEnum, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { Role } from '../../common/auth/roles.js';
import { Clearable } from '../../common/validation/optional.js';
import { PageMeta, PageQuery } from '../../common/pagination/pagination.js';
import { User } from '../entities/user.entity.js';

const USERNAME = /^[a-z0-9._-]{3,64}$/;
const USERNAME_MESSAGE = 'must be 3-64 lower-case letters, digits, . _ or -';

export class CreateUserDto {
  @ApiProperty({ example: 'zhang.wei' })
  @Matches(USERNAME, { message: USERNAME_MESSAGE })
  username!: string;

  @ApiProperty({ example: '张伟' })
  @IsString()
  @Length(1, 50)
  displayName!: string;

  @ApiProperty({ minLength: 10, maxLength: 128 })
  @IsString()
  @Length(10, 128)
  password!: string;

  @ApiProperty({ enum: Role })
  @IsEnum(Role)
  role!: Role;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  unitId!: string;

  @ApiPropertyOptional({ example: '13800138000' })
  @IsOptional()
  @Matches(/^1[3-9]\d{9}$/, { message: 'must be an 11-digit mainland mobile number' })
  phone?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 50) displayName?: string;
  @ApiPropertyOptional({ enum: Role }) @IsOptional() @IsEnum(Role) role?: Role;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() unitId?: string;
  @ApiPropertyOptional({
    description: 'true disables the account at once, including tokens already issued',
  })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;
  @ApiPropertyOptional({
    minLength: 10,
    description: 'Sets a new password; earlier tokens stop working',
  })
  @IsOptional()
  @IsString()
  @Length(10, 128)
  password?: string;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'null removes the phone' })
  @Clearable()
  @Matches(/^1[3-9]\d{9}$/, { message: 'must be an 11-digit mainland mobile number' })
  phone?: string | null;
}

export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: Role }) @IsOptional() @IsEnum(Role) role?: Role;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @IsUUID() unitId?: string;
}

export class UserDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() username!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ enum: Role }) role!: Role;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ nullable: true, type: String }) phone!: string | null;
  @ApiProperty() disabled!: boolean;
  @ApiProperty() createdAt!: string;

  static from(u: User): UserDto {
    return {
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      role: u.role,
      unitId: u.unitId,
      phone: u.phone,
      disabled: u.disabledAt !== null,
      createdAt: u.createdAt.toISOString(),
    };
  }
}

export class UserPage extends PageMeta {
  @ApiProperty({ type: [UserDto] }) items!: UserDto[];
}
