import { CSV_BOM, csvLine } from '../csv.js';
import type { AuditEventDto } from './audit-events.dto.js';

/** Rows of one CSV export at most; a larger one is continued with the cursor its last line gives. */
export const AUDIT_CSV_MAX_ROWS = 100_000;

export const AUDIT_CSV_COLUMNS = [
  '编号',
  '时间（北京时间）',
  '操作人类型',
  '操作人ID',
  '操作人账号',
  '操作人姓名',
  '角色',
  '操作人单位ID',
  '操作',
  '对象类型',
  '对象ID',
  '来源IP',
  '请求ID',
  '客户端请求ID',
  '详情',
];

/** `2026-11-21 10:32:07`: China's time (UTC+8 all year), to the second. */
function chinaSeconds(iso: string): string {
  return new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** The first line: BOM (so Excel reads UTF-8) and the Chinese headers. */
export const auditCsvHeader = (): string => CSV_BOM + csvLine(AUDIT_CSV_COLUMNS);

/** One event as a CSV line; every cell defused against formulas (csvField). */
export function auditCsvLine(e: AuditEventDto): string {
  return csvLine([
    e.id,
    chinaSeconds(e.occurredAt),
    e.actorKind,
    e.actorId ?? '',
    e.actorName ?? '',
    e.actorDisplayName ?? '',
    e.actorRole ?? '',
    e.actorUnitId ?? '',
    e.action,
    e.entity,
    e.entityId ?? '',
    e.ip ?? '',
    e.requestId ?? '',
    e.clientRequestId ?? '',
    JSON.stringify(e.details),
  ]);
}

/** The last line of an export cut at the cap: says so, and how to go on. */
export const auditCsvTruncated = (cursor: string): string =>
  csvLine([`已达单次导出上限 ${AUDIT_CSV_MAX_ROWS} 行，更早的记录请加 cursor=${cursor} 继续导出`]);
