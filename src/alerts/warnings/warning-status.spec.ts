import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { nextWarningStatus, WarningState } from './warning-status.js';

const draft: WarningState = { status: 'draft', authorId: 'author' };
const approve = (actorId: string, actorIsSupervisor = true) =>
  ({ kind: 'approve', actorId, actorIsSupervisor }) as const;

describe('warning workflow', () => {
  it('a supervisor other than the author approves a draft', () => {
    assert.deepEqual(nextWarningStatus(draft, approve('boss')), { ok: true, to: 'approved' });
  });

  it('the author cannot approve their own warning, even as a supervisor', () => {
    const v = nextWarningStatus(draft, approve('author'));
    assert.equal(v.ok, false);
    assert.match(!v.ok ? v.problem : '', /four-eyes/);
  });

  it('only a supervisor approves', () => {
    assert.equal(nextWarningStatus(draft, approve('someone', false)).ok, false);
  });

  it('a trend-scan draft (no author) can be approved by any supervisor', () => {
    assert.equal(nextWarningStatus({ status: 'draft', authorId: null }, approve('x')).ok, true);
  });

  it('a draft cannot be published; an approved one is published now or scheduled', () => {
    assert.equal(
      nextWarningStatus(draft, { kind: 'publish', nowMs: 0, publishAtMs: null }).ok,
      false,
    );
    const approved: WarningState = { status: 'approved', authorId: 'a' };
    assert.deepEqual(
      nextWarningStatus(approved, { kind: 'publish', nowMs: 10, publishAtMs: null }),
      {
        ok: true,
        to: 'published',
      },
    );
    assert.deepEqual(nextWarningStatus(approved, { kind: 'publish', nowMs: 10, publishAtMs: 5 }), {
      ok: true,
      to: 'published',
    });
    assert.deepEqual(nextWarningStatus(approved, { kind: 'publish', nowMs: 10, publishAtMs: 50 }), {
      ok: true,
      to: 'scheduled',
    });
  });

  it('a scheduled warning becomes published when it falls due; nothing else does', () => {
    assert.deepEqual(
      nextWarningStatus({ status: 'scheduled', authorId: 'a' }, { kind: 'falls_due', nowMs: 1 }),
      { ok: true, to: 'published' },
    );
    for (const status of ['draft', 'approved', 'published', 'withdrawn'] as const)
      assert.equal(
        nextWarningStatus({ status, authorId: 'a' }, { kind: 'falls_due', nowMs: 1 }).ok,
        false,
      );
  });

  it('published, scheduled and approved warnings can be withdrawn once; drafts cannot', () => {
    for (const status of ['approved', 'scheduled', 'published'] as const)
      assert.deepEqual(nextWarningStatus({ status, authorId: 'a' }, { kind: 'withdraw' }), {
        ok: true,
        to: 'withdrawn',
      });
    assert.equal(nextWarningStatus(draft, { kind: 'withdraw' }).ok, false);
    assert.equal(
      nextWarningStatus({ status: 'withdrawn', authorId: 'a' }, { kind: 'withdraw' }).ok,
      false,
    );
  });

  it('published or withdrawn warnings cannot be approved or published again, nor edited', () => {
    for (const status of ['approved', 'scheduled', 'published', 'withdrawn'] as const) {
      const w = { status, authorId: 'a' };
      assert.equal(nextWarningStatus(w, approve('b')).ok, false);
      assert.equal(nextWarningStatus(w, { kind: 'edit' }).ok, false);
      if (status !== 'approved')
        assert.equal(
          nextWarningStatus(w, { kind: 'publish', nowMs: 0, publishAtMs: null }).ok,
          false,
        );
    }
  });
});
