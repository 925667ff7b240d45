import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { Role } from '../../common/auth/roles.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { badRequest, conflict } from '../../common/http/errors.js';
import { ActorCache } from '../auth/actor-cache.js';
import { CreateUserDto, ListUsersQuery, UpdateUserDto, UserDto } from './dto/user.dto.js';
import { UnitKind } from '../units/entities/unit.entity.js';
import { User } from './entities/user.entity.js';
import { hashPassword } from './passwords.js';
import { UnitsRepository } from '../units/units.repository.js';
import { UsersRepository } from './users.repository.js';

/** Which unit kinds each role may belong to. */
const ROLE_UNITS: Record<Role, UnitKind[]> = {
  [Role.Admin]: [UnitKind.CityBureau, UnitKind.SubBureau, UnitKind.Brigade],
  [Role.Supervisor]: [UnitKind.CityBureau, UnitKind.SubBureau, UnitKind.Brigade, UnitKind.Station],
  [Role.Officer]: [UnitKind.CityBureau, UnitKind.SubBureau, UnitKind.Brigade, UnitKind.Station],
  [Role.BankLiaison]: [UnitKind.Bank, UnitKind.BankBranch],
  [Role.CommunityPolice]: [UnitKind.Station, UnitKind.Community],
};

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
    private readonly audit: AuditService,
    private readonly actors: ActorCache,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async list(actor: Actor, query: ListUsersQuery) {
    const page = await this.users.list(actor, query);
    return { items: page.items.map(UserDto.from), nextCursor: page.nextCursor };
  }

  private async checkUnit(role: Role, unitId: string): Promise<void> {
    const unit = await this.units.findById(unitId);
    if (!unit) throw badRequest('unitId', 'does not name an existing unit');
    if (!ROLE_UNITS[role].includes(unit.kind)) {
      throw badRequest(
        'unitId',
        `a ${role} must belong to a unit of kind ${ROLE_UNITS[role].join(', ')}, not ${unit.kind}`,
      );
    }
  }

  async create(dto: CreateUserDto): Promise<User> {
    await this.checkUnit(dto.role, dto.unitId);
    if (await this.users.findForLogin(dto.username)) {
      throw conflict(`Username ${dto.username} is taken`, [
        { field: 'username', problem: 'is taken' },
      ]);
    }
    const passwordHash = await hashPassword(dto.password);
    return this.ds.transaction(async (em) => {
      const user = await this.users.insert(em, {
        username: dto.username,
        displayName: dto.displayName,
        passwordHash,
        role: dto.role,
        unitId: dto.unitId,
        phone: dto.phone ?? null,
        disabledAt: null,
        passwordChangedAt: new Date(),
      });
      await this.audit.record(em, {
        action: 'user.create',
        entity: 'user',
        entityId: user.id,
        details: { username: user.username, role: user.role, unitId: user.unitId },
      });
      return user;
    });
  }

  async update(actor: Actor, id: string, dto: UpdateUserDto): Promise<User> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFoundException('User not found');
    if (Object.keys(dto).length === 0) throw badRequest('body', 'names no field to change');
    if (dto.role !== undefined || dto.unitId !== undefined)
      await this.checkUnit(dto.role ?? user.role, dto.unitId ?? user.unitId);
    if (id === actor.id && (dto.disabled || (dto.role && dto.role !== Role.Admin))) {
      throw conflict('An admin cannot disable or demote their own account');
    }
    const changes: Partial<User> = {};
    if (dto.displayName !== undefined) changes.displayName = dto.displayName;
    if (dto.role !== undefined) changes.role = dto.role;
    if (dto.unitId !== undefined) changes.unitId = dto.unitId;
    if (dto.phone !== undefined) changes.phone = dto.phone;
    if (dto.disabled !== undefined) {
      changes.disabledAt = dto.disabled ? (user.disabledAt ?? new Date()) : null;
      // Tokens issued before a disable stay dead when the account is enabled again.
      if (dto.disabled && !user.disabledAt) changes.passwordChangedAt = new Date();
    }
    if (dto.password !== undefined) {
      changes.passwordHash = await hashPassword(dto.password);
      changes.passwordChangedAt = new Date();
    }
    const updated = await this.ds.transaction(async (em) => {
      const saved = await this.users.update(em, id, changes);
      const { passwordHash: _h, ...logged } = changes;
      await this.audit.record(em, {
        action: dto.disabled === true ? 'user.disable' : 'user.update',
        entity: 'user',
        entityId: id,
        details: { ...logged, passwordChanged: dto.password !== undefined },
      });
      return saved;
    });
    // The trigger tells every process; this one forgets the old row before answering.
    this.actors.invalidate(id);
    return updated;
  }
}
