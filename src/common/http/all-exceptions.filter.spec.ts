import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { QueryFailedError } from 'typeorm';
import { fromDatabase } from './all-exceptions.filter.js';

const pgError = (fields: Record<string, string>) =>
  new QueryFailedError('INSERT …', [], Object.assign(new Error('pg'), fields));

describe('database errors as API errors', () => {
  it('a reference to a missing row is a 400 naming the field, echoing no constraint or key', () => {
    const mapped = fromDatabase(
      pgError({
        code: '23503',
        constraint: 'victims_community_unit_id_fkey',
        detail:
          'Key (community_unit_id)=(4b0c1e8e-6f7a-4f43-9d51-0c3a3b7b9a10) is not present in table "units".',
      }),
    );
    assert.deepEqual(mapped, {
      status: 400,
      message: 'communityUnitId refers to a record that does not exist',
      details: [{ field: 'communityUnitId', problem: 'refers to a record that does not exist' }],
    });
  });

  it('deleting a row still referenced is a 409 that names no table', () => {
    const mapped = fromDatabase(
      pgError({
        code: '23503',
        constraint: 'cases_unit_id_fkey',
        detail:
          'Key (id)=(4b0c1e8e-6f7a-4f43-9d51-0c3a3b7b9a10) is still referenced from table "cases".',
      }),
    );
    assert.deepEqual(mapped, {
      status: 409,
      message: 'Still referenced by other records',
      details: [],
    });
  });

  it('a foreign-key error without a detail names the body', () => {
    assert.equal(fromDatabase(pgError({ code: '23503' }))?.details[0].field, 'body');
  });
});
