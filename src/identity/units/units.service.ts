import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { unitVisible } from '../../common/auth/scope.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { badRequest, conflict } from '../../common/http/errors.js';
import { CreateUnitDto, ListUnitsQuery, UnitDto } from './dto/unit.dto.js';
import { ALLOWED_PARENTS, Unit, UnitKind } from './entities/unit.entity.js';
import { UnitsRepository } from './units.repository.js';

@Injectable()
export class UnitsService {
  constructor(
    private readonly units: UnitsRepository,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async list(actor: Actor, query: ListUnitsQuery) {
    const page = await this.units.list(actor, query);
    return { items: page.items.map(UnitDto.from), nextCursor: page.nextCursor };
  }

  async get(actor: Actor, id: string): Promise<Unit> {
    const unit = await this.units.findById(id);
    if (!unit || !unitVisible(actor, unit)) throw new NotFoundException('Unit not found');
    return unit;
  }

  /** Exported for other modules: a unit by id, or null; `em` inside the caller's transaction. */
  findById(id: string, em?: EntityManager): Promise<Unit | null> {
    return this.units.findById(id, em);
  }

  /** Exported for other modules: the bank a bank or bank branch belongs to, or null for any other unit. */
  async bankOf(id: string): Promise<Unit | null> {
    const unit = await this.units.findById(id);
    if (!unit || (unit.kind !== UnitKind.Bank && unit.kind !== UnitKind.BankBranch)) return null;
    return this.units.ancestorOfKind(unit, UnitKind.Bank);
  }

  async create(dto: CreateUnitDto): Promise<Unit> {
    const parent = dto.parentId ? await this.units.findById(dto.parentId) : null;
    if (dto.parentId && !parent) throw badRequest('parentId', 'does not name an existing unit');
    const allowed = ALLOWED_PARENTS[dto.kind];
    if (!allowed.includes(parent?.kind ?? null)) {
      const names = allowed.map((k) => k ?? 'none');
      throw badRequest('parentId', `a ${dto.kind} must sit under: ${names.join(' or ')}`);
    }
    if (await this.units.findByCode(dto.code))
      throw conflict(`Unit code ${dto.code} is taken`, [{ field: 'code', problem: 'is taken' }]);
    return this.ds.transaction(async (em) => {
      const unit = await this.units.insert(
        em,
        { kind: dto.kind, code: dto.code, name: dto.name, parentId: parent?.id ?? null },
        parent?.path ?? null,
      );
      await this.audit.record(em, {
        action: 'unit.create',
        entity: 'unit',
        entityId: unit.id,
        details: { kind: unit.kind, code: unit.code, name: unit.name, parentId: unit.parentId },
      });
      return unit;
    });
  }
}
