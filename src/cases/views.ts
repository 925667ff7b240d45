/**
 * The views through which other modules read the cases module's tables in SQL (a join for speed,
 * where going through CaseFactsService would cost a round trip per row). Created by the cases
 * section of the ModuleViews migration; each exposes only the columns other modules read.
 * Published from src/cases/index.ts.
 */
export const CASES_VIEWS = {
  /** A case's facts: id, case_no, fraud_type, unit_id, officer_id, reported_at. */
  caseFacts: 'cases_v_case_facts',
  /** Accounts and other identifiers: id, kind, value. */
  identifiers: 'cases_v_identifiers',
  /** Which case names which identifier: case_id, identifier_id. */
  caseIdentifiers: 'cases_v_case_identifiers',
  /** Traced transfers: victim_id, case_id (the victim's case), identifier_id, amount_fen. */
  victimTransfers: 'cases_v_victim_transfers',
  /** Fraud types (诈骗类型): code, label_zh, typical_script. */
  fraudTypes: 'cases_v_fraud_types',
} as const;
