import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import type { Actor } from './actor.js';
import { Role } from './roles.js';
import { inScope, scopeSql, scopeWhere, unitsVisibleWhere, unitVisible } from './scope.js';

const CITY = '/11111111-1111-4111-8111-111111111111/';
const SUB = `${CITY}22222222-2222-4222-8222-222222222222/`;
const STATION = `${SUB}33333333-3333-4333-8333-333333333333/`;
const COMMUNITY = `${STATION}44444444-4444-4444-8444-444444444444/`;
/** A sibling of SUB whose id begins with the same characters as SUB's. */
const SIBLING = `${CITY}22222222-2222-4222-8222-222222222299/`;

const admin: Actor = {
  kind: 'user',
  id: 'a',
  username: 'admin',
  role: Role.Admin,
  unitId: 'city',
  scopePath: null,
};
const officer: Actor = {
  kind: 'user',
  id: 'o',
  username: 'li.officer',
  role: Role.Officer,
  unitId: 'sub',
  scopePath: SUB,
};

describe('scopeWhere', () => {
  it('puts no limit on an admin', () => {
    assert.deepEqual(scopeWhere(admin, 'c.unit_id'), { sql: 'TRUE', params: {} });
  });

  it('limits a scoped actor to units under their path', () => {
    const { sql, params } = scopeWhere(officer, 'c.unit_id');
    assert.equal(
      sql,
      'c.unit_id IN (SELECT su.id FROM identity_v_units su WHERE su.path LIKE :scopePath)',
    );
    assert.deepEqual(params, { scopePath: `${SUB}%` });
  });

  it('uses the given column', () => {
    assert.match(scopeWhere(officer, 'u.id').sql, /^u\.id IN /);
  });
});

describe('scopeSql', () => {
  it('puts no limit on an admin and adds no parameter', () => {
    const args: unknown[] = ['x'];
    assert.equal(scopeSql(admin, 'c.unit_id', args), 'TRUE');
    assert.deepEqual(args, ['x']);
  });

  it('appends the subtree to the positional parameters and reads it as the next $n', () => {
    const args: unknown[] = ['x'];
    assert.equal(
      scopeSql(officer, 'c.unit_id', args),
      'c.unit_id IN (SELECT su.id FROM identity_v_units su WHERE su.path LIKE $2)',
    );
    assert.equal(
      scopeSql(officer, 'o.unit_id', args),
      scopeWhere(officer, 'o.unit_id').sql.replace(':scopePath', '$3'),
    );
    assert.deepEqual(args, ['x', `${SUB}%`, `${SUB}%`]);
  });
});

describe('inScope', () => {
  it('lets an admin see every unit', () => {
    for (const path of [CITY, SUB, STATION, COMMUNITY, SIBLING])
      assert.equal(inScope(admin, path), true);
  });

  it('lets a scoped actor see their own unit and everything below it', () => {
    assert.equal(inScope(officer, SUB), true);
    assert.equal(inScope(officer, STATION), true);
    assert.equal(inScope(officer, COMMUNITY), true);
  });

  it('hides the units above and beside a scoped actor', () => {
    assert.equal(inScope(officer, CITY), false);
    assert.equal(inScope(officer, SIBLING), false);
  });
});

describe('unitsVisibleWhere and unitVisible', () => {
  const liaison: Actor = { ...officer, role: Role.BankLiaison, username: 'liu.icbc' };
  const community: Actor = { ...officer, role: Role.CommunityPolice, username: 'chen.community' };
  const supervisor: Actor = { ...officer, role: Role.Supervisor, username: 'zhang.supervisor' };
  const bank = { path: '/55555555-5555-4555-8555-555555555555/', kind: 'bank' };
  const branch = { path: `${bank.path}66666666-6666-4666-8666-666666666666/`, kind: 'bank_branch' };

  it('adds every bank and branch to an officer’s and a supervisor’s subtree', () => {
    for (const actor of [officer, supervisor]) {
      const { sql, params } = unitsVisibleWhere(actor, 'u');
      assert.match(sql, /^\(u\.id IN .* OR u\.kind IN \(:\.\.\.publicUnitKinds\)\)$/);
      assert.deepEqual(params.publicUnitKinds, ['bank', 'bank_branch']);
      assert.equal(unitVisible(actor, bank), true);
      assert.equal(unitVisible(actor, branch), true);
      assert.equal(unitVisible(actor, { path: SIBLING, kind: 'station' }), false);
    }
  });

  it('gives liaisons and community police only their scope', () => {
    for (const actor of [liaison, community]) {
      assert.deepEqual(unitsVisibleWhere(actor, 'u'), scopeWhere(actor, 'u.id'));
      assert.equal(unitVisible(actor, bank), false);
    }
  });
});
