/** One role per user (docs/ARCHITECTURE.md, Roles and scope). */
export enum Role {
  Admin = 'admin',
  /** 领导 */
  Supervisor = 'supervisor',
  /** 民警 */
  Officer = 'officer',
  /** 银行联络员 */
  BankLiaison = 'bank_liaison',
  /** 社区民警 */
  CommunityPolice = 'community_police',
}

/** Every role, for endpoints any signed-in caller may use. */
export const ANY_ROLE = Object.values(Role) as [Role, ...Role[]];

/** Roles allowed to read victim PII when they ask for it. */
export const PII_ROLES: readonly Role[] = [Role.Supervisor, Role.Officer];
