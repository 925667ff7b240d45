import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { bootApp, TestApp } from '../harness.js';

interface SchemaObject {
  description?: string;
  $ref?: string;
  properties?: Record<string, SchemaObject>;
  items?: SchemaObject;
  allOf?: SchemaObject[];
}
interface ResponseObject {
  description?: string;
  content?: Record<string, { schema?: SchemaObject }>;
}
interface Operation {
  summary?: string;
  parameters?: { name: string; in: string; description?: string }[];
  responses?: Record<string, ResponseObject>;
  security?: unknown[];
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, SchemaObject> };
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
const ERROR_REF = '#/components/schemas/ErrorBody';

/** Each offender on its own line, so one failure lists everything a contributor has to document. */
function noOffenders(what: string, offenders: string[]): void {
  assert.equal(offenders.length, 0, `${offenders.length} ${what}:\n  ${offenders.join('\n  ')}`);
}

describe('The OpenAPI document explains the API', () => {
  let t: TestApp;
  let doc: Doc;
  let ops: [string, Operation][];

  beforeAll(async () => {
    t = await bootApp('postgres');
    doc = (await t.http().get('/docs-json').expect(200)).body as Doc;
    // For checking the document by hand: OPENAPI_DUMP=/tmp/docs.json npm test -- openapi.e2e
    if (process.env.OPENAPI_DUMP)
      writeFileSync(process.env.OPENAPI_DUMP, JSON.stringify(doc, null, 2));
    ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.has(method))
        .map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
    );
  });
  afterAll(() => t.close());

  it('is a valid OpenAPI document', async () => {
    const result = await new Validator().validate(doc as unknown as Record<string, unknown>);
    assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
  });

  it('gives every operation a summary', () => {
    assert.ok(ops.length > 0);
    noOffenders(
      'operations without a summary',
      ops.filter(([, op]) => !op.summary?.trim()).map(([name]) => name),
    );
  });

  it('documents every operation’s success response', () => {
    noOffenders(
      'operations without a described 2xx (or 303) response',
      ops
        .filter(
          ([, op]) =>
            !Object.entries(op.responses ?? {}).some(
              // A redirect is the success of an old link that only forwards (303).
              ([status, res]) => /^(2\d\d|303)$/.test(status) && res.description?.trim(),
            ),
        )
        .map(([name]) => name),
    );
  });

  it('documents every error response with the one error shape, and 401/403 wherever a caller must sign in', () => {
    const offenders: string[] = [];
    for (const [name, op] of ops) {
      const responses = op.responses ?? {};
      for (const [status, res] of Object.entries(responses)) {
        if (!/^4\d\d$/.test(status)) continue;
        const ref = res.content?.['application/json']?.schema?.$ref;
        if (ref !== ERROR_REF) offenders.push(`${name} ${status} does not answer ErrorBody`);
        if (!res.description?.trim()) offenders.push(`${name} ${status} has no description`);
      }
      if ((op.security ?? []).length > 0) {
        for (const status of ['401', '403'])
          if (!responses[status]) offenders.push(`${name} does not document ${status}`);
      }
    }
    noOffenders('undocumented error responses', offenders);
  });

  it('describes every path and query parameter', () => {
    noOffenders(
      'parameters without a description',
      ops.flatMap(([name, op]) =>
        (op.parameters ?? [])
          .filter((p) => !p.description?.trim())
          .map((p) => `${name} ${p.in} ${p.name}`),
      ),
    );
  });

  it('describes every schema and every property of it', () => {
    const offenders: string[] = [];
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      if (!schema.description?.trim()) offenders.push(name);
      for (const [prop, p] of Object.entries(schema.properties ?? {})) {
        const described = p.description ?? p.allOf?.find((s) => s.description)?.description;
        if (!described?.trim()) offenders.push(`${name}.${prop}`);
      }
    }
    noOffenders('schemas or properties without a description', offenders);
  });
});
