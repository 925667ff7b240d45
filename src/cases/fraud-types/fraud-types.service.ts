import { Injectable } from '@nestjs/common';
import { FraudTypeRow, FraudTypesRepository } from './fraud-types.repository.js';

/** A fraud type (诈骗类型) as GET /fraud-types answers it. */
export interface FraudType {
  code: string;
  labelZh: string;
  labelEn: string;
  validFrom: number;
  validTo: number | null;
  typicalScript: string;
}

function fraudType(t: FraudTypeRow): FraudType {
  return {
    code: t.code,
    labelZh: t.label_zh,
    labelEn: t.label_en,
    validFrom: t.valid_from,
    validTo: t.valid_to,
    typicalScript: t.typical_script,
  };
}

@Injectable()
export class FraudTypesService {
  constructor(private readonly repo: FraudTypesRepository) {}

  exists(code: string): Promise<boolean> {
    return this.repo.exists(code);
  }

  async list(): Promise<FraudType[]> {
    return (await this.repo.list()).map(fraudType);
  }

  async byCode(code: string): Promise<FraudType | null> {
    const row = await this.repo.byCode(code);
    return row && fraudType(row);
  }
}
