import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsBoolean, IsEnum, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { Role } from '../../../common/auth/roles.js';
import { Clearable } from '../../../common/validation/optional.js';
import { PageMeta, PageQuery } from '../../../common/pagination/pagination.js';
import { User } from '../entities/user.entity.js';

const USERNAME = /^[a-z0-9._-]{3,64}$/;
const USERNAME_MESSAGE = 'must be 3-64 lower-case letters, digits, . _ or -';

@ApiSchema({ description: 'A new user account' })
export class CreateUserDto {
  @ApiProperty({
    description: 'Sign-in name: 3-64 lower-case letters, digits, . _ or -',
    example: 'zhang.wei',
  })
  @Matches(USERNAME, { message: USERNAME_MESSAGE })
  username!: string;

  @ApiProperty({ description: 'Name shown to others (真实姓名)', example: '张伟' })
  @IsString()
  @Length(1, 50)
  displayName!: string;

  @ApiProperty({ description: 'Initial password', minLength: 10, maxLength: 128 })
  @IsString()
  @Length(10, 128)
  password!: string;

  @ApiProperty({
    description:
      'Role: admin, supervisor (领导), officer (民警), bank_liaison (银行联络员), community_police (社区民警)',
    enum: Role,
  })
  @IsEnum(Role)
  role!: Role;

  @ApiProperty({ description: 'The user’s unit', format: 'uuid' })
  @IsUUID()
  unitId!: string;

  @ApiPropertyOptional({ description: 'Mobile phone number', example: '13800138000' })
  @IsOptional()
  @Matches(/^1[3-9]\d{9}$/, { message: 'must be an 11-digit mainland mobile number' })
  phone?: string;
}

@ApiSchema({ description: 'Changes to a user account; absent fields stay as they are' })
export class UpdateUserDto {
  @ApiPropertyOptional({ description: 'Name shown to others (真实姓名)' })
  @IsOptional()
  @IsString()
  @Length(1, 50)
  displayName?: string;
  @ApiPropertyOptional({ description: 'New role', enum: Role })
  @IsOptional()
  @IsEnum(Role)
  role?: Role;
  @ApiPropertyOptional({ description: 'New unit', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  unitId?: string;
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
  @ApiPropertyOptional({ description: 'Only users with this role', enum: Role })
  @IsOptional()
  @IsEnum(Role)
  role?: Role;
  @ApiPropertyOptional({ description: 'Only users of this unit', format: 'uuid' })
  @IsOptional()
  @IsUUID()
  unitId?: string;
}

@ApiSchema({ description: 'A user account' })
export class UserDto {
  @ApiProperty({ description: 'Identifier (UUID)', format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'Sign-in name' }) username!: string;
  @ApiProperty({ description: 'Name shown to others (真实姓名)' }) displayName!: string;
  @ApiProperty({
    description:
      'Role: admin, supervisor (领导), officer (民警), bank_liaison (银行联络员), community_police (社区民警)',
    enum: Role,
  })
  role!: Role;
  @ApiProperty({ description: 'Owning unit (单位) id', format: 'uuid' }) unitId!: string;
  @ApiProperty({ description: 'Mobile phone number', nullable: true, type: String }) phone!:
    string | null;
  @ApiProperty({
    description: 'A disabled user cannot sign in; tokens already issued stop working',
  })
  disabled!: boolean;
  @ApiProperty({ description: 'When it was created (ISO 8601 with offset)' }) createdAt!: string;

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

@ApiSchema({ description: 'One page of users' })
export class UserPage extends PageMeta {
  @ApiProperty({ description: 'The records of this page', type: [UserDto] }) items!: UserDto[];
}
