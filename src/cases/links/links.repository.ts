import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { scopeSql } from '../../common/auth/scope.js';
import type { IdentifierKind } from '../../common/validation/identifiers.js';
import type { CaseStatus } from '../case/case-status.js';
import { IDENTITY_VIEWS } from '../../identity/index.js';

/**
 * One hop of a chain, from the previous case through an identifier to the next case. Whatever the
 * caller may not see is NULL already in SQL: the identifier when neither case of the hop is in
 * scope, the next case's id and number when it is not.
 */
export interface LinkHopRow {
  identifier_visible: boolean;
  identifier_id: string | null;
  kind: IdentifierKind | null;
  value: string | null;
  case_visible: boolean;
  case_id: string | null;
  case_no: string | null;
  unit_id: string;
  unit_name: string;
}

/** The start case (depth 0) or a linked case; content columns are NULL when not `visible`. */
export interface LinkRow {
  depth: number;
  visible: boolean;
  id: string | null;
  case_no: string | null;
  status: CaseStatus | null;
  fraud_type: string | null;
  summary: string | null;
  loss_fen: string | null;
  reported_at: Date | null;
  unit_id: string;
  unit_name: string;
  hops: LinkHopRow[];
}

export interface LookupIdentifierRow {
  id: string;
  kind: IdentifierKind;
  value: string;
  bank_name: string | null;
  luhn_valid: boolean | null;
  created_at: Date;
  in_scope: number;
  out_of_scope: number;
  total_loss_fen: string;
}

export interface LookupCaseRow {
  id: string;
  case_no: string;
  status: CaseStatus;
  unit_id: string;
  unit_name: string;
  role: string;
  reported_at: Date;
}

/**
 * A level's cases as the walk stores them (an array of JSON objects), read back as rows. unnest()
 * of a jsonb[] is estimated at 10 rows where jsonb_to_recordset() is estimated at 100, which made
 * the plan look costly enough for PostgreSQL to JIT-compile it (+50 ms for a 2 ms query).
 */
const frontierRows = (frontier: string) =>
  `unnest(${frontier}) AS fr(j) CROSS JOIN LATERAL
   jsonb_to_record(fr.j) AS f(case_id uuid, identifier_path uuid[], case_path uuid[], sort_key text[])`;

/**
 * The linked-cases walk (串并案) as one recursive query: $1 the start case, $2 the depth, $3 the
 * row limit; `scope` appends the caller's subtree after them (scopeSql). The graph is cases ↔
 * identifiers through case_identifiers; one level of the recursion is one hop case → identifier →
 * case.
 *
 * - Breadth first, one row per level: the level's new cases (`frontier`, with their paths), every
 *   case reached so far (`seen`) and every identifier a case was reached through (`expanded`). A
 *   case is reached once, at its shortest depth, so cycles stop; an identifier is not walked again
 *   from a later level, so a hub account shared by many cases is expanded once. (One that led to no
 *   new case, or only lost ties, may be walked again; it can only lead to cases already seen.)
 *   Keeping the visited sets on one row per level, not on every case's row, keeps the work linear
 *   in the cases found.
 * - Shortest path per case with a deterministic tie-break: among the paths of a level, the one that
 *   sorts first by (identifier kind:value, case number, …) from the start wins. Choosing per level
 *   gives the overall first path, since every candidate extends an already chosen (first) path.
 * - Blow-up guard: a level keeps at most rowLimit new cases (first by path; among the cases behind
 *   one identifier, by id, so case numbers are looked up only for the cases kept), and the walk
 *   stops once rowLimit cases are reached; the caller asks for one more than it answers, to know it
 *   truncated.
 * - Scope: the start case must be in scope (no anchor row otherwise); every case and identifier of
 *   the answer is masked in SQL unless in scope, so no hidden content leaves the database.
 */
function linksSql(scope: (unitColumn: string) => string): string {
  return `
WITH RECURSIVE walk (depth, frontier, seen, expanded) AS (
  SELECT 0,
         ARRAY[jsonb_build_object('case_id', c.id, 'identifier_path', '[]'::jsonb,
           'case_path', jsonb_build_array(c.id), 'sort_key', '[]'::jsonb)],
         ARRAY[c.id], ARRAY[]::uuid[]
  FROM cases c
  WHERE c.id = $1 AND ${scope('c.unit_id')}
  UNION ALL
  SELECT w.depth + 1, lvl.frontier, w.seen || lvl.case_ids, w.expanded || lvl.identifier_ids
  FROM walk w
  CROSS JOIN LATERAL (
    SELECT array_agg(jsonb_build_object('case_id', n.case_id, 'identifier_path', n.identifier_path,
             'case_path', n.case_path, 'sort_key', n.path_key || c.case_no)) AS frontier,
           array_agg(n.case_id) AS case_ids,
           array_agg(DISTINCT n.identifier_path[w.depth + 1]) AS identifier_ids
    FROM (
      -- the level's first new cases, by path, then id
      SELECT nxt.*
      FROM (
        -- each new case once, by its first path
        SELECT DISTINCT ON (nc.case_id)
               nc.case_id,
               hop.identifier_path || hop.identifier_id AS identifier_path,
               hop.case_path || nc.case_id AS case_path,
               hop.sort_key || hop.identifier_key AS path_key
        FROM (
          -- each identifier of the previous level's cases once, from its first path
          SELECT DISTINCT ON (ci.identifier_id)
                 f.identifier_path, f.case_path, f.sort_key, ci.identifier_id,
                 i.kind || ':' || i.value AS identifier_key
          FROM ${frontierRows('w.frontier')}
          JOIN case_identifiers ci ON ci.case_id = f.case_id
            AND ci.identifier_id NOT IN (SELECT unnest(w.expanded))
          JOIN identifiers i ON i.id = ci.identifier_id
          ORDER BY ci.identifier_id, f.sort_key COLLATE "C"
        ) hop
        JOIN case_identifiers nc ON nc.identifier_id = hop.identifier_id
          AND nc.case_id NOT IN (SELECT unnest(w.seen))
        ORDER BY nc.case_id, hop.sort_key COLLATE "C", hop.identifier_key COLLATE "C"
      ) nxt
      ORDER BY nxt.path_key COLLATE "C", nxt.case_id
      LIMIT $3
    ) n
    JOIN cases c ON c.id = n.case_id
  ) lvl
  WHERE w.depth < $2 AND cardinality(w.seen) <= $3 AND lvl.frontier IS NOT NULL
)
SELECT f.depth, v.visible,
       CASE WHEN v.visible THEN c.id END AS id,
       CASE WHEN v.visible THEN c.case_no END AS case_no,
       CASE WHEN v.visible THEN c.status END AS status,
       CASE WHEN v.visible THEN c.fraud_type END AS fraud_type,
       CASE WHEN v.visible THEN c.summary END AS summary,
       CASE WHEN v.visible THEN c.loss_fen END AS loss_fen,
       CASE WHEN v.visible THEN c.reported_at END AS reported_at,
       u.id AS unit_id, u.name AS unit_name, p.hops
FROM (
  -- the answer's cases before anything is looked up for them: a capped level may hold more
  SELECT w.depth, f.case_id, f.identifier_path, f.case_path, f.sort_key
  FROM walk w
  CROSS JOIN LATERAL ${frontierRows('w.frontier')}
  ORDER BY w.depth, f.sort_key COLLATE "C"
  LIMIT $3 + 1
) f
JOIN cases c ON c.id = f.case_id
JOIN ${IDENTITY_VIEWS.units} u ON u.id = c.unit_id
CROSS JOIN LATERAL (SELECT ${scope('c.unit_id')} AS visible OFFSET 0) v
CROSS JOIN LATERAL (
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           'identifier_visible', s.prev_visible OR s.next_visible,
           'identifier_id', CASE WHEN s.prev_visible OR s.next_visible THEN s.identifier_id END,
           'kind', CASE WHEN s.prev_visible OR s.next_visible THEN s.kind END,
           'value', CASE WHEN s.prev_visible OR s.next_visible THEN s.value END,
           'case_visible', s.next_visible,
           'case_id', CASE WHEN s.next_visible THEN s.case_id END,
           'case_no', CASE WHEN s.next_visible THEN s.case_no END,
           'unit_id', s.unit_id,
           'unit_name', s.unit_name) ORDER BY s.n), '[]'::jsonb) AS hops
  FROM (
    -- hop n: case_path[n] → identifier_path[n] → case_path[n + 1]
    SELECT g.n, i.id AS identifier_id, i.kind, i.value, nc.id AS case_id, nc.case_no,
           nu.id AS unit_id, nu.name AS unit_name,
           ${scope('pc.unit_id')} AS prev_visible, ${scope('nc.unit_id')} AS next_visible
    FROM unnest(f.identifier_path) WITH ORDINALITY AS g(identifier_id, n)
    JOIN identifiers i ON i.id = g.identifier_id
    JOIN cases pc ON pc.id = f.case_path[g.n]
    JOIN cases nc ON nc.id = f.case_path[g.n + 1]
    JOIN ${IDENTITY_VIEWS.units} nu ON nu.id = nc.unit_id
    OFFSET 0 -- evaluate each scope check once per hop, not once per use
  ) s
) p
ORDER BY f.depth, f.sort_key COLLATE "C"`;
}

/** Queries of cross-case linking (串并案) and identifier lookup. Scope is applied in SQL through scopeSql. */
@Injectable()
export class LinksRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** The SQL and parameters of the walk, also used to check its plan (EXPLAIN ANALYZE). */
  linksQuery(
    actor: Actor,
    caseId: string,
    depth: number,
    rowLimit: number,
  ): { sql: string; params: unknown[] } {
    const params: unknown[] = [caseId, depth, rowLimit];
    const sql = linksSql((unitColumn) => `(${scopeSql(actor, unitColumn, params)})`);
    return { sql, params };
  }

  /**
   * The start case (depth 0, absent when not in the caller's scope) and up to `rowLimit` cases
   * linked to it within `depth` hops, nearest first, each with the hops of its first shortest path.
   */
  links(actor: Actor, caseId: string, depth: number, rowLimit: number): Promise<LinkRow[]> {
    const { sql, params } = this.linksQuery(actor, caseId, depth, rowLimit);
    return this.ds.query<LinkRow[]>(sql, params);
  }

  /**
   * An identifier by kind and normalized value, with how many cases name it in and out of scope,
   * and the loss traced into it by the cases in scope (what other units' cases lost is theirs to see).
   */
  async findIdentifier(
    actor: Actor,
    kind: IdentifierKind,
    value: string,
  ): Promise<LookupIdentifierRow | null> {
    const args: unknown[] = [kind, value];
    const scope = scopeSql(actor, 'c.unit_id', args);
    const rows = await this.ds.query<LookupIdentifierRow[]>(
      `SELECT i.id, i.kind, i.value, i.bank_name, i.luhn_valid, i.created_at,
              n.in_scope, n.out_of_scope,
              (SELECT coalesce(sum(t.amount_fen), 0) FROM victim_transfers t JOIN cases c ON c.id = t.case_id
               WHERE t.identifier_id = i.id AND ${scope})::text AS total_loss_fen
       FROM identifiers i
       CROSS JOIN LATERAL (
         SELECT (count(*) FILTER (WHERE v.visible))::int AS in_scope,
                (count(*) FILTER (WHERE NOT v.visible))::int AS out_of_scope
         FROM case_identifiers ci
         JOIN cases c ON c.id = ci.case_id
         CROSS JOIN LATERAL (SELECT (${scope}) AS visible) v
         WHERE ci.identifier_id = i.id
       ) n
       WHERE i.kind = $1 AND i.value = $2`,
      args,
    );
    return rows[0] ?? null;
  }

  /** The cases in the caller's scope that name an identifier, newest report first. */
  casesNaming(actor: Actor, identifierId: string, limit: number): Promise<LookupCaseRow[]> {
    const args: unknown[] = [identifierId, limit];
    const scope = scopeSql(actor, 'c.unit_id', args);
    return this.ds.query<LookupCaseRow[]>(
      `SELECT c.id, c.case_no, c.status, u.id AS unit_id, u.name AS unit_name, ci.role, c.reported_at
       FROM case_identifiers ci
       JOIN cases c ON c.id = ci.case_id
       JOIN ${IDENTITY_VIEWS.units} u ON u.id = c.unit_id
       WHERE ci.identifier_id = $1 AND ${scope}
       ORDER BY c.reported_at DESC, c.id DESC
       LIMIT $2`,
      args,
    );
  }
}
