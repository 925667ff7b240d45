import { Foundation1732300000000 } from './1732300000000-Foundation.js';
import { Cases1732400000000 } from './1732400000000-Cases.js';
import { Evidence1732500000000 } from './1732500000000-Evidence.js';
import { TransferFlags1732600000000 } from './1732600000000-TransferFlags.js';
import { ActorChanged1732650000000 } from './1732650000000-ActorChanged.js';
import { Recoveries1732700000000 } from './1732700000000-Recoveries.js';
import { Alerts1732800000000 } from './1732800000000-Alerts.js';
import { TrendScan1732900000000 } from './1732900000000-TrendScan.js';
import { CaseChanged1732950000000 } from './1732950000000-CaseChanged.js';
import { MoneyLimits1733030000000 } from './1733030000000-MoneyLimits.js';
import { AuditKeyed1733040000000 } from './1733040000000-AuditKeyed.js';
import { CaseMoney1733110000000 } from './1733110000000-CaseMoney.js';
import { SearchIndexes1733120000000 } from './1733120000000-SearchIndexes.js';
import { TransferFlagFiles1733800000000 } from './1733800000000-TransferFlagFiles.js';
import { StatsRollups1733600000000 } from './1733600000000-StatsRollups.js';
import { StatsCovering1733910000000 } from './1733910000000-StatsCovering.js';
import { DeliveryStatsStatement1733930000000 } from './1733930000000-DeliveryStatsStatement.js';
import { ModuleViews1733940000000 } from './1733940000000-ModuleViews.js';
import { BulkInsertCosts1733950000000 } from './1733950000000-BulkInsertCosts.js';
import { DeliveryStatsStatic1733960000000 } from './1733960000000-DeliveryStatsStatic.js';
import { DeliveryClaimHot1733970000000 } from './1733970000000-DeliveryClaimHot.js';

/** Every migration, in order. Listed explicitly so the build and the tests run the same set. */
export const migrations = [
  Foundation1732300000000,
  Cases1732400000000,
  Evidence1732500000000,
  TransferFlags1732600000000,
  ActorChanged1732650000000,
  Recoveries1732700000000,
  Alerts1732800000000,
  TrendScan1732900000000,
  CaseChanged1732950000000,
  MoneyLimits1733030000000,
  AuditKeyed1733040000000,
  CaseMoney1733110000000,
  SearchIndexes1733120000000,
  TransferFlagFiles1733800000000,
  StatsRollups1733600000000,
  StatsCovering1733910000000,
  DeliveryStatsStatement1733930000000,
  ModuleViews1733940000000,
  BulkInsertCosts1733950000000,
  DeliveryStatsStatic1733960000000,
  DeliveryClaimHot1733970000000,
];
