import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { ObjectLiteral, QueryFailedError, SelectQueryBuilder } from 'typeorm';
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

/**
 * Keyset pagination over (sortColumn, idColumn), both descending or ascending, stable under inserts.
 * `sortColumn` values are serialized as strings in the cursor (timestamps as ISO).
 */
export async function paginate<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  query: PageQuery,
  keys: { sort: string; id: string; direction?: 'ASC' | 'DESC'; value: (row: T) => string },
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
    rows = await qb.getMany();
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
