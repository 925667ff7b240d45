import { Coordinator } from '../../alerts/entities/coordinator.entity';
import { Delivery } from '../../alerts/entities/delivery.entity';
import { Warning } from '../../alerts/entities/warning.entity';
import { Case } from '../../cases/entities/case.entity';
import { Dissuasion } from '../../cases/entities/dissuasion.entity';
import { Identifier } from '../../cases/entities/identifier.entity';
import { TransferFlag } from '../../cases/entities/transfer-flag.entity';
import { TransferHit } from '../../cases/entities/transfer-hit.entity';
import { Victim } from '../../cases/entities/victim.entity';
import { ApiKey } from '../../identity/entities/api-key.entity';
import { Notification } from '../../identity/entities/notification.entity';
import { Unit } from '../../identity/entities/unit.entity';
import { User } from '../../identity/entities/user.entity';
import { Allocation } from '../../recoveries/entities/allocation.entity';
import { Ceremony } from '../../recoveries/entities/ceremony.entity';
import { FreezeOrderEvent } from '../../recoveries/entities/freeze-order-event.entity';
import { FreezeOrder } from '../../recoveries/entities/freeze-order.entity';
import { Recovery } from '../../recoveries/entities/recovery.entity';

/** Every TypeORM entity, listed explicitly. */
export const entities = [
  Unit,
  User,
  ApiKey,
  Notification,
  Case,
  Victim,
  Identifier,
  TransferFlag,
  TransferHit,
  Dissuasion,
  FreezeOrder,
  FreezeOrderEvent,
  Recovery,
  Allocation,
  Ceremony,
  Warning,
  Coordinator,
  Delivery,
];
