import fc from 'fast-check';
import { OpenApiDoc, Operation, Param, resolve, Schema } from './openapi.js';

/** JSON text sent as is: numbers JSON.stringify cannot write (1e400, -0, 2^63), deep nesting. */
export class RawJson {
  constructor(readonly text: string) {}
}

export type Json = null | boolean | number | string | RawJson | Json[] | { [key: string]: Json };

export function jsonText(value: Json): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value && typeof value === 'object') {
    const members = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Ids that exist, by table, so valid-looking requests reach past "not found". */
export type IdPools = ReadonlyMap<string, readonly string[]>;

/** The table a field or path parameter refers to, from its name (`caseId`, `targetUnitIds`). */
const STEMS: Record<string, string> = {
  case: 'cases',
  unit: 'units',
  parent: 'units',
  community: 'units',
  communityUnit: 'units',
  bankUnit: 'units',
  targetUnit: 'units',
  hostUnit: 'units',
  officer: 'users',
  user: 'users',
  identifier: 'identifiers',
  victim: 'victims',
  order: 'freeze_orders',
  allocation: 'allocations',
  recovery: 'recoveries',
  ceremony: 'ceremonies',
  warning: 'warnings',
  coordinator: 'coordinators',
  evidence: 'evidence',
  delivery: 'deliveries',
  dissuasion: 'dissuasions',
  notification: 'notifications',
};
export const POOL_TABLES = [...new Set([...Object.values(STEMS), 'api_keys'])];

export function tableOfName(name: string): string | undefined {
  const stem = /^(\w+?)Ids?$/.exec(name)?.[1];
  return stem ? STEMS[stem] : undefined;
}

/** `/api/v1/freeze-orders/{id}/renew` → freeze_orders; `/cases/{id}/evidence/{evidenceId}` → evidence. */
export function tableOfPathParam(path: string, param: string): string | undefined {
  if (param !== 'id') return tableOfName(param);
  const segment = /\/([a-z-]+)\/\{id\}/.exec(path)?.[1];
  return segment?.replace(/-/g, '_');
}

/** The resource a POST creates: the last literal segment of its path. */
export function tableOfCollection(path: string): string | undefined {
  const last = path
    .split('/')
    .filter((s) => s && !s.startsWith('{'))
    .pop();
  return last?.replace(/-/g, '_');
}

const CHINA_OFFSET_MS = 8 * 3600_000;
const isoChina = (ms: number) =>
  new Date(ms + CHINA_OFFSET_MS).toISOString().replace('Z', '+08:00');

/** A time between two years ago and a month ahead, as the API expects it. */
const recentMs = fc.integer({
  min: Date.now() - 2 * 365 * 86_400_000,
  max: Date.now() + 30 * 86_400_000,
});

/**
 * An id of `table`: mostly one that exists and, under a case (`parent`), mostly one of that case
 * (pools `victims@<caseId>`, …), sometimes a random one.
 */
const idOf = (pools: IdPools, table: string | undefined, parent?: string): fc.Arbitrary<string> => {
  const known = table ? (pools.get(table) ?? []) : [];
  const children = table && parent ? (pools.get(`${table}@${parent}`) ?? []) : [];
  const arbs = [{ arbitrary: fc.uuid(), weight: 1 }];
  if (known.length) arbs.push({ arbitrary: fc.constantFrom(...known), weight: 3 });
  if (children.length) arbs.push({ arbitrary: fc.constantFrom(...children), weight: 8 });
  return fc.oneof(...arbs);
};

const WORDS = ['张三', '李四', '测试', '刷单返利', '冒充客服', 'fuzz', 'alpha', '贵阳', '云岩区'];

function validString(
  name: string,
  schema: Schema,
  pools: IdPools,
  parent?: string,
): fc.Arbitrary<string> {
  const example = typeof schema.example === 'string' ? schema.example : undefined;
  const known = pools.get(`field:${name}`);
  if (known?.length) return fc.constantFrom(...known);
  if (schema.format === 'uuid' || tableOfName(name)) return idOf(pools, tableOfName(name), parent);
  if (/phone/i.test(name)) return fc.stringMatching(/^1[3-9]\d{9}$/);
  // Checked identifiers (ID number checksum, account digits): the schema's example is valid.
  if (example && /^(idNumber|\w+Account)$/.test(name)) return fc.constant(example);
  if (example && /^\d{4}-\d{2}-\d{2}$/.test(example))
    return recentMs.map((ms) => isoChina(ms).slice(0, 10));
  if (example && /^\d{4}-\d{2}$/.test(example))
    return recentMs.map((ms) => isoChina(ms).slice(0, 7));
  if ((example && /^\d{4}-\d{2}-\d{2}T/.test(example)) || /(At|From|To|On)$/.test(name))
    return recentMs.map(isoChina);
  if (name === 'password') return fc.stringMatching(/^[a-zA-Z0-9]{12,20}$/);
  const min = schema.minLength ?? 1;
  const max = Math.max(min, Math.min(schema.maxLength ?? 40, 40));
  const free = fc
    .array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 4 })
    .map((w) => w.join(''))
    .map((s) => s.padEnd(min, 'x').slice(0, max));
  if (!example) return free;
  // Values unique per row (usernames, unit codes, external references) differ from run to run.
  if (/^(username|code|externalRef|groupName)$/.test(name))
    return fc
      .stringMatching(/^[A-Z0-9]{2,6}$/)
      .map((s) => `${example}-${s}`.slice(0, Math.max(max, example.length + 7)));
  return fc.oneof({ arbitrary: fc.constant(example), weight: 3 }, { arbitrary: free, weight: 1 });
}

/** A value the schema admits, with realistic strings, dates, ids and amounts. */
export function validValue(
  doc: OpenApiDoc,
  raw: Schema,
  pools: IdPools,
  name = '',
  depth = 0,
  parent?: string,
): fc.Arbitrary<Json> {
  const schema = resolve(doc, raw);
  if (schema.enum?.length) return fc.constantFrom(...(schema.enum as Json[]));
  const options = schema.oneOf ?? schema.anyOf;
  if (options?.length)
    return fc.oneof(...options.map((o) => validValue(doc, o, pools, name, depth, parent)));
  switch (schema.type) {
    case 'string':
      return validString(name, schema, pools, parent);
    case 'number':
    case 'integer': {
      if (/Fen$/.test(name)) return fc.integer({ min: 1, max: 100_000_000 });
      if (/Index$/.test(name)) return fc.integer({ min: 0, max: 1 });
      const min = schema.minimum ?? 0;
      return fc.integer({ min, max: Math.max(min, Math.min(schema.maximum ?? 100, 1000)) });
    }
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const item = name.replace(/s$/, '');
      return fc.array(validValue(doc, schema.items ?? {}, pools, item, depth + 1, parent), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, depth > 1 ? 1 : 3),
      });
    }
    default: {
      const props = Object.entries(schema.properties ?? {});
      if (!props.length) return fc.constant({});
      // A body naming a case: its other ids are picked among that case's.
      if (parent === undefined && props.some(([key]) => key === 'caseId'))
        return idOf(pools, 'cases').chain((caseId) =>
          validValue(doc, raw, pools, name, depth, caseId).map((v) =>
            v && typeof v === 'object' && 'caseId' in v ? { ...v, caseId } : v,
          ),
        );
      const required = new Set(schema.required ?? []);
      const arbs = Object.fromEntries(
        props.map(([key, s]) => [key, validValue(doc, s, pools, key, depth + 1, parent)]),
      );
      // Optional references to other records (and lists of them) are left out more often: a
      // random one rarely fits, and one misfit makes the whole request a 400.
      const record = fc
        .tuple(
          ...props.map(([key, s]) => {
            if (required.has(key)) return arbs[key];
            const ref = tableOfName(key) || resolve(doc, s).type === 'array';
            return fc.oneof(
              { arbitrary: fc.constant(undefined), weight: ref ? 3 : 1 },
              { arbitrary: arbs[key], weight: 1 },
            );
          }),
        )
        .map((values) => {
          const obj: Record<string, Json> = {};
          values.forEach((v, i) => {
            if (v !== undefined) obj[props[i][0]] = v;
          });
          return obj;
        });
      return 'kind' in arbs && 'value' in arbs ? record.chain(identifierValue) : record;
    }
  }
}

/** A Luhn-valid card number of 16 to 19 digits. */
const cardNumber = fc.stringMatching(/^62\d{13,16}$/).map((body) => {
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
});

/** An identifier (`{kind, value}`) whose value is well-formed for its kind. */
function identifierValue(obj: Record<string, Json>): fc.Arbitrary<Json> {
  const byKind: Record<string, fc.Arbitrary<string>> = {
    bank_card: cardNumber,
    phone: fc.stringMatching(/^1[3-9]\d{9}$/),
    qq: fc.stringMatching(/^[1-9]\d{4,10}$/),
    wechat: fc.stringMatching(/^wxid_[a-z0-9]{6,12}$/),
    alipay: fc.stringMatching(/^1[3-9]\d{9}$/),
    url: fc.stringMatching(/^[a-z]{3,10}$/).map((h) => `https://${h}.example.cn/pay`),
  };
  const arb = typeof obj.kind === 'string' ? byKind[obj.kind] : undefined;
  return arb ? arb.map((value) => ({ ...obj, value })) : fc.constant(obj);
}

const nest = (depth: number, open: string, close: string, inner = '1') =>
  new RawJson(open.repeat(depth) + inner + close.repeat(depth));

/**
 * Values no field should choke on: wrong types, nulls, extreme and fractional numbers, long and
 * strange strings (bidi controls, NUL, lone surrogates), bad dates, ids that are not ids, deep
 * nesting, big arrays.
 */
export const nastyValue: fc.Arbitrary<Json> = fc.oneof(
  { arbitrary: fc.constant(null), weight: 4 },
  {
    arbitrary: fc.constantFrom<Json>(
      null,
      true,
      false,
      0,
      -1,
      1.5,
      -0.01,
      0.30000000000000004,
      1e308,
      -1e308,
      2 ** 53 + 2,
      2 ** 63,
      -(2 ** 31),
      {},
      [],
      [null],
      '',
      ' ',
      '0',
      '-1',
      '1.5',
      'NaN',
      'Infinity',
      '1e400',
      'null',
      'true',
      '0000',
      '2026-W47',
      '2026-13-45',
      '2026-02-30',
      '0000-00-00T00:00:00Z',
      '0001-01-01T00:00:00Z',
      '9999-12-31T23:59:59+08:00',
      '+275760-09-13T00:00:00Z',
      '-000001-01-01T00:00:00Z',
      '2026-11-30T25:61:00+08:00',
      '2026-11-30 10:00',
      '1970-01-01',
      'yesterday',
      'not-a-uuid',
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '\u202Eevil\u202C',
      '\u0000',
      'a\u0000b',
      '\uD800',
      '\u200B\uFEFF',
      '😀😀😀',
      "' OR 1=1 --",
      '<script>alert(1)</script>',
      '../../etc/passwd',
      '%00',
      '__proto__',
    ),
    weight: 8,
  },
  fc.constantFrom(
    new RawJson('1e400'),
    new RawJson('-0'),
    new RawJson('-1e400'),
    new RawJson('123456789012345678901234567890'),
    new RawJson('9007199254740993'),
    new RawJson('1.0000000000000000001'),
    new RawJson('{"__proto__":{"polluted":true}}'),
    new RawJson('{"constructor":{"prototype":{"polluted":true}}}'),
  ),
  fc.integer({ min: 50, max: 3000 }).map((d) => nest(d, '[', ']')),
  fc.integer({ min: 50, max: 3000 }).map((d) => nest(d, '{"a":', '}')),
  fc.integer({ min: 1000, max: 20_000 }).map((n) => new RawJson(`[${'0,'.repeat(n - 1)}0]`)),
  fc.integer({ min: 300, max: 100_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 300, max: 30_000 }).map((n) => '字'.repeat(n)),
  { arbitrary: fc.string({ unit: 'binary', maxLength: 60 }), weight: 2 },
  fc.double(),
  { arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), weight: 2 },
  fc.uuid(),
);

/** The same, as a query or path string. */
const asText = (v: Json): string =>
  typeof v === 'string' ? v : v instanceof RawJson ? v.text : jsonText(v);

/** Every place in a JSON value: [] is the value itself. */
function pathsOf(value: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  out.push(prefix);
  if (prefix.length > 6) return out;
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...prefix, i], out));
  else if (value && typeof value === 'object' && !(value instanceof RawJson))
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...prefix, k], out);
  return out;
}

function setAt(value: Json, path: (string | number)[], next: Json | undefined): Json {
  if (!path.length) return next === undefined ? null : next;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length) copy[head as number] = setAt(copy[head as number], rest, next);
    else if (next === undefined) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const obj = { ...(value as Record<string, Json>) };
  if (rest.length) obj[head] = setAt(obj[head], rest, next);
  else if (next === undefined) delete obj[head];
  else obj[head] = next;
  return obj;
}

const UNKNOWN_FIELDS = ['extra', 'id', 'createdAt', 'status', 'role', 'isAdmin', 'constructor'];

/** A valid value changed in one place: a field replaced, dropped or added, or the whole of it. */
function mutateJson(valid: Json): fc.Arbitrary<{ value: Json; mutation: string }> {
  const paths = pathsOf(valid);
  return fc.oneof(
    fc.tuple(fc.constantFrom(...paths), nastyValue).map(([p, v]) => ({
      value: setAt(valid, p, v),
      mutation: `set ${p.join('.') || '(body)'}`,
    })),
    ...(paths.length > 1
      ? [
          fc.constantFrom(...paths.slice(1)).map((p) => ({
            value: setAt(valid, p, undefined),
            mutation: `drop ${p.join('.')}`,
          })),
        ]
      : []),
    fc
      .tuple(fc.oneof(fc.constantFrom(...UNKNOWN_FIELDS), fc.string({ maxLength: 12 })), nastyValue)
      .map(([k, v]) => ({
        value:
          valid && typeof valid === 'object' && !Array.isArray(valid) && !(valid instanceof RawJson)
            ? { ...valid, [k]: v }
            : valid,
        mutation: `add ${k}`,
      })),
  );
}

/** One request the fuzzer sends. */
export interface FuzzRequest {
  op: Operation;
  caller: string;
  /** What was changed from a valid request; null for a valid one. */
  mutation: string | null;
  /** The case whose records the request names (its path is under `/cases/{id}`). */
  parent?: string;
  url: string;
  json?: string;
  multipart?: { file?: Buffer; files?: number; description?: string };
}

/** Percent-encoding that takes any string (a lone surrogate goes as U+FFFD's bytes). */
const pct = (s: string) =>
  [...Buffer.from(s, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');

function buildUrl(op: Operation, path: Record<string, string>, query: [string, string][]): string {
  const p = op.path.replace(/\{(\w+)\}/g, (_, name: string) => pct(path[name] ?? ''));
  const q = query.map(([k, v]) => `${pct(k)}=${pct(v)}`).join('&');
  return q ? `${p}?${q}` : p;
}

function validParam(
  doc: OpenApiDoc,
  op: Operation,
  p: Param,
  pools: IdPools,
  parent?: string,
): fc.Arbitrary<string> {
  if (op.pathParams.includes(p)) return idOf(pools, tableOfPathParam(op.path, p.name), parent);
  return validValue(doc, p.schema, pools, p.name, 0, parent).map(asText);
}

/** The case a request is about, when its path is under `/cases/{id}`. */
const UNDER_CASE = /\/cases\/\{id\}\//;

/** A valid-looking request to `op` from `caller`, or one mutated in its path, query or body. */
export function requestFor(
  doc: OpenApiDoc,
  op: Operation,
  callers: fc.Arbitrary<string>,
  pools: IdPools,
): fc.Arbitrary<FuzzRequest> {
  const idParam = op.pathParams.find((p) => p.name === 'id');
  const underCase = UNDER_CASE.test(op.path);
  // The first id first: the others (and the body's ids) are picked among its children.
  return (idParam ? validParam(doc, op, idParam, pools) : fc.constant(undefined)).chain((id) =>
    requestUnder(doc, op, callers, pools, id, underCase ? id : undefined),
  );
}

function requestUnder(
  doc: OpenApiDoc,
  op: Operation,
  callers: fc.Arbitrary<string>,
  pools: IdPools,
  id: string | undefined,
  parent: string | undefined,
): fc.Arbitrary<FuzzRequest> {
  const pathArb = fc.record(
    Object.fromEntries(
      op.pathParams.map((p) => [
        p.name,
        p.name === 'id' && id !== undefined
          ? fc.constant(id)
          : validParam(doc, op, p, pools, parent),
      ]),
    ),
  ) as fc.Arbitrary<Record<string, string>>;
  const queryArb = fc
    .tuple(
      ...op.query.map((p): fc.Arbitrary<string | undefined> =>
        p.required
          ? validParam(doc, op, p, pools)
          : p.name === 'cursor'
            ? fc.constant(undefined)
            : fc.option(validParam(doc, op, p, pools), { nil: undefined, freq: 2 }),
      ),
    )
    .map((values) =>
      values.flatMap((v, i): [string, string][] =>
        v === undefined ? [] : [[op.query[i].name, v]],
      ),
    );
  const jsonBody = op.body?.contentType === 'application/json' ? op.body.schema : undefined;
  const bodyArb: fc.Arbitrary<Json | undefined> = jsonBody
    ? validValue(doc, jsonBody, pools, '', 0, parent)
    : fc.constant(undefined);
  const multipart = op.body?.contentType === 'multipart/form-data';

  return fc
    .record({ caller: callers, path: pathArb, query: queryArb, body: bodyArb, mutate: fc.nat(9) })
    .chain(({ caller, path, query, body, mutate }) => {
      const base = { op, caller, mutation: null, parent };
      const valid: FuzzRequest = {
        ...base,
        url: buildUrl(op, path, query),
        json: body === undefined ? undefined : jsonText(body),
        multipart: multipart
          ? { file: Buffer.from('fuzz evidence\n'), description: '转账截图' }
          : undefined,
      };
      if (mutate < 4) return fc.constant(valid);
      // Each place (path, query, body, multipart) as likely as another, whatever its number of fields.
      const mutations: fc.Arbitrary<FuzzRequest>[] = [];
      const place = (arbs: fc.Arbitrary<FuzzRequest>[]) => {
        if (arbs.length) mutations.push(fc.oneof(...arbs));
      };
      const pathMutations: fc.Arbitrary<FuzzRequest>[] = [];
      const queryMutations: fc.Arbitrary<FuzzRequest>[] = [];
      for (const p of op.pathParams)
        pathMutations.push(
          fc.oneof(nastyValue.map(asText), fc.uuid()).map((v) => ({
            ...valid,
            mutation: `path ${p.name}`,
            url: buildUrl(op, { ...path, [p.name]: v }, query),
          })),
        );
      for (const p of op.query)
        queryMutations.push(
          nastyValue.map((v) => ({
            ...valid,
            mutation: `query ${p.name}`,
            url: buildUrl(op, path, [...query.filter(([k]) => k !== p.name), [p.name, asText(v)]]),
          })),
          fc.tuple(validParam(doc, op, p, pools), validParam(doc, op, p, pools)).map(([a, b]) => ({
            ...valid,
            mutation: `query ${p.name} twice`,
            url: buildUrl(op, path, [...query, [p.name, a], [p.name, b]]),
          })),
        );
      queryMutations.push(
        fc.tuple(fc.string({ maxLength: 10 }), nastyValue).map(([k, v]) => ({
          ...valid,
          mutation: 'query unknown',
          url: buildUrl(op, path, [...query, [k || 'x', asText(v)]]),
        })),
      );
      place(pathMutations);
      place(queryMutations);
      if (body !== undefined)
        place([
          mutateJson(body).map(({ value, mutation }) => ({
            ...valid,
            mutation: `body ${mutation}`,
            json: jsonText(value),
          })),
          fc.constant({ ...valid, mutation: 'body not JSON', json: '{"a":' }),
        ]);
      if (!op.body || op.method === 'GET' || op.method === 'DELETE')
        place([
          nastyValue.map((v) => ({ ...valid, mutation: 'unexpected body', json: jsonText(v) })),
        ]);
      if (multipart)
        place([
          fc.constant({ ...valid, mutation: 'multipart no file', multipart: {} }),
          fc.constant({ ...valid, mutation: 'multipart two files', multipart: { files: 2 } }),
          fc
            .oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.constant('x'.repeat(5000)))
            .map((d) => ({
              ...valid,
              mutation: 'multipart description',
              multipart: { file: Buffer.from('x'), description: d },
            })),
          nastyValue.map((v) => ({
            ...valid,
            mutation: 'multipart as JSON',
            multipart: undefined,
            json: jsonText(v),
          })),
        ]);
      return fc.oneof(...mutations);
    });
}
