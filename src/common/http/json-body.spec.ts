import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { DEFAULT_JSON_BODY, scanJson } from './json-body.js';

const scan = (text: string, limits = {}) =>
  scanJson(Buffer.from(text, 'utf8'), { ...DEFAULT_JSON_BODY, ...limits });
const items = (n: number) => `[${Array.from({ length: n }, (_, i) => i).join(',')}]`;

describe('scanJson', () => {
  it('passes ordinary bodies, at the limits exactly', () => {
    assert.equal(scan('{"a":[1,2,{"b":"c"}],"d":null}'), null);
    assert.equal(scan(items(1000)), null);
    assert.equal(scan('['.repeat(32) + ']'.repeat(32)), null);
    assert.equal(scan('[]'), null);
    assert.equal(scan(''), null);
  });

  it('refuses an array of more items than the limit, naming its path', () => {
    assert.deepEqual(scan(items(1001)), {
      field: 'body',
      problem: 'must contain at most 1000 items',
    });
    assert.deepEqual(scan(`{"a":1,"list":${items(4)}}`, { maxArrayLength: 3 }), {
      field: 'list',
      problem: 'must contain at most 3 items',
    });
    assert.deepEqual(scan(`{"victims":[{},{"ids":${items(4)}}]}`, { maxArrayLength: 3 }), {
      field: 'victims.1.ids',
      problem: 'must contain at most 3 items',
    });
    assert.equal(scan(`{"t\\"x":${items(4)}}`, { maxArrayLength: 3 })?.field, 't"x');
  });

  it('refuses nesting deeper than the limit', () => {
    assert.deepEqual(scan('['.repeat(33) + ']'.repeat(33)), {
      field: 'body',
      problem: 'must not be nested deeper than 32',
    });
    assert.ok(scan('{"a":'.repeat(4000) + '1' + '}'.repeat(4000)));
  });

  it('ignores brackets and commas inside strings, escaped quotes included', () => {
    assert.equal(
      scan(JSON.stringify({ a: '[[[[,,,,' + '\\"[' + '"'.repeat(5) }), { maxDepth: 2 }),
      null,
    );
    assert.equal(scan(JSON.stringify([',,,,,', '中文,[]', '\u0000']), { maxArrayLength: 3 }), null);
    assert.ok(scan(JSON.stringify(['a', 'b', 'c', 'd']), { maxArrayLength: 3 }));
  });
});
