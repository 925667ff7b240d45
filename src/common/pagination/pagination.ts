import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { DataSource, ObjectLiteral, QueryFailedError, SelectQueryBuilder } from 'typeorm';
import { badRequest } from '../http/errors.js';

/** `?limit=&cursor=`: the one way lists are paged. */
export class PageQuery {
  @ApiPropertyOptional({ description: 'Records per page', minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page (nextCursor)' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

export class PageMeta {
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'Pass as ?cursor= for the next page; null on the last page',
  })
  nextCursor!: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The keyset of a page: the sort expression and id column, and how a row gives its sort value. */
export interface PageKeys<T> {
  sort: string;
  id: string;
  direction?: 'ASC' | 'DESC';
  value: (row: T) => string;
}

/**
 * Keyset pagination over (sortColumn, idColumn), both descending or ascending, stable under inserts.
 * `sortColumn` values are serialized as strings in the cursor (timestamps as ISO).
 */
export function paginate<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  query: PageQuery,
  keys: PageKeys<T>,
): Promise<Page<T>> {
  return keysetPage(qb, query, keys, () => qb.getMany());
}

/**
 * The same pages over raw rows, for a query builder whose rows are no entity (a hand-written view
 * joining several tables, selected from as a subquery). Timestamp sort keys are compared at
 * millisecond precision (`date_trunc('milliseconds', …)`), as the cursor carries them.
 */
export function paginateRaw<T extends { id: string }>(
  qb: SelectQueryBuilder<ObjectLiteral>,
  query: PageQuery,
  keys: PageKeys<T>,
): Promise<Page<T>> {
  return keysetPage(qb, query, keys, () => qb.getRawMany<T>());
}

/**
 * One page (newest first) of a hand-written view whose rows carry `id` and `created_at`: the view,
 * filters included, is the subquery the common keyset pagination pages over. PostgreSQL pulls the
 * subquery up, so the cursor and the order reach the tables' indexes as if written inline.
 */
export function paginateView<T extends { id: string; created_at: Date }>(
  ds: DataSource,
  sql: string,
  params: Record<string, unknown>,
  query: PageQuery,
): Promise<Page<T>> {
  const qb = ds.createQueryBuilder().select('*').from(`(${sql})`, 'v').setParameters(params);
  return paginateRaw<T>(qb, query, {
    sort: "date_trunc('milliseconds', v.created_at)",
    id: 'v.id',
    value: (row) => new Date(row.created_at).toISOString(),
  });
}

async function keysetPage<Q extends ObjectLiteral, T extends { id: string }>(
  qb: SelectQueryBuilder<Q>,
  query: PageQuery,
  keys: PageKeys<T>,
  fetch: () => Promise<T[]>,
): Promise<Page<T>> {
  const limit = query.limit ?? 50;
  const dir = keys.direction ?? 'DESC';
  if (query.cursor) {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(query.cursor, 'base64url').toString('utf8'));
    } catch {
      throw badRequest('cursor', 'is not a cursor this API issued');
    }
    if (
      !Array.isArray(decoded) ||
      decoded.length !== 2 ||
      !decoded.every((v) => typeof v === 'string')
    ) {
      throw badRequest('cursor', 'is not a cursor this API issued');
    }
    const op = dir === 'DESC' ? '<' : '>';
    qb.andWhere(`(${keys.sort}, ${keys.id}) ${op} (:cursorSort, :cursorId)`, {
      cursorSort: decoded[0],
      cursorId: decoded[1],
    });
  }
  qb.orderBy(keys.sort, dir)
    .addOrderBy(keys.id, dir)
    .limit(limit + 1);
  let rows: T[];
  try {
    rows = await fetch();
  } catch (err) {
    // A well-formed cursor whose values the database cannot read (a forged id or timestamp).
    const code = (err as QueryFailedError & { driverError?: { code?: string } }).driverError?.code;
    if (query.cursor && err instanceof QueryFailedError && code?.startsWith('22'))
      throw badRequest('cursor', 'is not a cursor this API issued');
    throw err;
  }
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > limit && last
      ? Buffer.from(JSON.stringify([keys.value(last), last.id])).toString('base64url')
      : null;
  return { items, nextCursor };
}
