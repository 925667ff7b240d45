import type { Role } from './roles.js';

/** The authenticated caller: a user (JWT) or a bank system (API key). */
export interface Actor {
  kind: 'user' | 'api_key';
  /** User id or API key id. */
  id: string;
  username: string;
  role: Role;
  unitId: string;
  /**
   * Materialized path of the subtree this actor may see (`/<id>/<id>/`), or null for no limit
   * (admin). For bank liaisons it is their bank's subtree, not only their branch.
   */
  scopePath: string | null;
}
