import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import {
  AUDIT_CSV_MAX_ROWS,
  auditCsvHeader,
  auditCsvLine,
  auditCsvTruncated,
} from './audit-csv.js';

const event = {
  id: '42',
  occurredAt: '2026-11-21T02:31:07.120Z',
  actorKind: 'user',
  actorId: 'a9edb1fd-8078-4bd9-ac8f-7a9cc41a9a42',
  actorName: '-2+3',
  actorDisplayName: '@SUM(A1)',
  actorRole: 'officer',
  actorUnitId: null,
  action: 'victim.pii_read',
  entity: 'case',
  entityId: 'c1',
  requestId: 'r1',
  clientRequestId: null,
  ip: '127.0.0.1',
  details: { victimIds: ['v1'] },
};

describe('audit CSV', () => {
  it('starts with a BOM and the Chinese header row', () => {
    assert.ok(auditCsvHeader().startsWith('\ufeff编号,时间（北京时间）,操作人类型'));
    assert.ok(auditCsvHeader().endsWith('详情\r\n'));
  });

  it('writes China time to the second, JSON details quoted, and defuses formula-like names', () => {
    const line = auditCsvLine(event);
    assert.equal(
      line,
      `42,2026-11-21 10:31:07,user,a9edb1fd-8078-4bd9-ac8f-7a9cc41a9a42,'-2+3,'@SUM(A1),officer,,victim.pii_read,case,c1,127.0.0.1,r1,,"{""victimIds"":[""v1""]}"\r\n`,
    );
  });

  it('a cut export ends with a line naming the cap and the cursor to go on with', () => {
    const line = auditCsvTruncated('abc');
    assert.ok(line.includes(String(AUDIT_CSV_MAX_ROWS)));
    assert.ok(line.includes('cursor=abc'));
  });
});
