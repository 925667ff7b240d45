import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

export interface EvidenceRow {
  id: string;
  case_id: string;
  filename: string;
  content_type: string;
  /** bigint, as the driver returns it. */
  size_bytes: string;
  sha256: string;
  storage_key: string;
  description: string | null;
  uploaded_by: string;
  created_at: Date;
}

export interface NewEvidence {
  caseId: string;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  description: string | null;
  uploadedBy: string;
}

const COLUMNS =
  'id, case_id, filename, content_type, size_bytes, sha256, storage_key, description, uploaded_by, created_at';

/** Rows of the evidence table. The caller checks the case is in scope (CasesRepository.findScoped). */
@Injectable()
export class EvidenceRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async insert(em: EntityManager, e: NewEvidence): Promise<EvidenceRow> {
    const rows: EvidenceRow[] = await em.query(
      `INSERT INTO evidence (case_id, filename, content_type, size_bytes, sha256, storage_key, description, uploaded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [
        e.caseId,
        e.filename,
        e.contentType,
        String(e.sizeBytes),
        e.sha256,
        e.storageKey,
        e.description,
        e.uploadedBy,
      ],
    );
    return rows[0];
  }

  listForCase(caseId: string): Promise<EvidenceRow[]> {
    return this.ds.query(
      `SELECT ${COLUMNS} FROM evidence WHERE case_id = $1 ORDER BY created_at, id`,
      [caseId],
    );
  }

  async findInCase(caseId: string, evidenceId: string): Promise<EvidenceRow | null> {
    const rows: EvidenceRow[] = await this.ds.query(
      `SELECT ${COLUMNS} FROM evidence WHERE case_id = $1 AND id = $2`,
      [caseId, evidenceId],
    );
    return rows[0] ?? null;
  }
}
