// The statements a repository method sends, for the plan checks: EXPLAIN runs the very SQL the
// method built (scope conditions, cursor and all), not a copy of it kept in the test.
import { SelectQueryBuilder, type DataSource, type ObjectLiteral } from 'typeorm';

export interface Statement {
  sql: string;
  params: unknown[];
}

export async function captureSql(ds: DataSource, fn: () => Promise<unknown>): Promise<Statement[]> {
  const seen: Statement[] = [];
  const query = ds.query.bind(ds);
  const proto = SelectQueryBuilder.prototype as SelectQueryBuilder<ObjectLiteral>;
  const getRawMany = proto.getRawMany;
  ds.query = ((sql: string, params?: unknown[]) => {
    seen.push({ sql, params: params ?? [] });
    return query(sql, params);
  }) as DataSource['query'];
  proto.getRawMany = function (this: SelectQueryBuilder<ObjectLiteral>) {
    const [sql, params] = this.getQueryAndParameters();
    seen.push({ sql, params });
    return getRawMany.call(this) as never;
  };
  try {
    await fn();
  } finally {
    ds.query = query;
    proto.getRawMany = getRawMany;
  }
  return seen;
}
