import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { prettyLine } from './logger.js';

describe('readable log lines (stdout is a terminal)', () => {
  it('shows time, level, context and message, then the other fields, and an error stack below', () => {
    const line = prettyLine(
      JSON.stringify({
        level: 50,
        time: '2026-11-30T11:02:03.456Z',
        service: 'jingwang',
        requestId: 'r1',
        context: 'Http',
        msg: 'Unhandled error',
        statusCode: 500,
        err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at x' },
      }),
    );
    assert.equal(
      line,
      '11:02:03 ERROR [Http] Unhandled error  requestId=r1 statusCode=500\nError: boom\n    at x\n',
    );
  });

  it('passes a line that is not JSON through', () => {
    assert.equal(prettyLine('plain'), 'plain\n');
  });
});
