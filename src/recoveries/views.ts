/**
 * The views through which other modules read the recoveries module's tables in SQL (the monthly
 * report's ceremonies). Created by the recoveries section of the ModuleViews migration; published
 * from src/recoveries/index.ts.
 */
export const RECOVERIES_VIEWS = {
  /** Ceremonies (发还仪式): id, title, held_on, venue, host_unit_id. */
  ceremonies: 'recoveries_v_ceremonies',
  /** Allocations returned at ceremonies: id, ceremony_id, amount_fen, signed_at. */
  allocations: 'recoveries_v_allocations',
} as const;
