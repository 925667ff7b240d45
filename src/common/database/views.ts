/**
 * The views of identity that the ground floor itself reads: every scope check (`scopeWhere`,
 * src/common/auth/scope.ts) cuts its subtree from the unit tree, and the audit trail names its
 * actors. Declared here because common imports no feature; identity fills them in (its section of
 * the ModuleViews migration creates them) and publishes this constant from src/identity/index.ts,
 * which is where the other features take it from. docs/ARCHITECTURE.md, "One published surface
 * per module", lists every module's views.
 */
export const IDENTITY_VIEWS = {
  /** The unit tree: id, parent_id, kind, code, name, path. */
  units: 'identity_v_units',
  /** Users without their secrets: id, unit_id, role, username, display_name, disabled_at. */
  users: 'identity_v_users',
  /** API keys by name: id, unit_id, name. */
  apiKeys: 'identity_v_api_keys',
} as const;
