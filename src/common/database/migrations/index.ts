import { Foundation1732300000000 } from './1732300000000-Foundation';
import { Cases1732400000000 } from './1732400000000-Cases';
import { Evidence1732500000000 } from './1732500000000-Evidence';
import { TransferFlags1732600000000 } from './1732600000000-TransferFlags';
import { ActorChanged1732650000000 } from './1732650000000-ActorChanged';
import { Recoveries1732700000000 } from './1732700000000-Recoveries';
import { Alerts1732800000000 } from './1732800000000-Alerts';
import { TrendScan1732900000000 } from './1732900000000-TrendScan';
import { CaseChanged1732950000000 } from './1732950000000-CaseChanged';

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
];
