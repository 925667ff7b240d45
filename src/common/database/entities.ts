import { Coordinator } from '../../alerts/coordinators/entities/coordinator.entity.js';
import { Delivery } from '../../alerts/deliveries/entities/delivery.entity.js';
import { Warning } from '../../alerts/warnings/entities/warning.entity.js';
import { Case } from '../../cases/case/entities/case.entity.js';
import { Dissuasion } from '../../cases/dissuasions/entities/dissuasion.entity.js';
import { Identifier } from '../../cases/case/entities/identifier.entity.js';
import { TransferFlag } from '../../cases/transfer-flags/entities/transfer-flag.entity.js';
import { TransferHit } from '../../cases/transfer-flags/entities/transfer-hit.entity.js';
import { Victim } from '../../cases/case/entities/victim.entity.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import { ApiKey } from '../../identity/api-keys/entities/api-key.entity.js';
import { Notification } from '../../identity/notifications/entities/notification.entity.js';
import { Unit } from '../../identity/units/entities/unit.entity.js';
import { User } from '../../identity/users/entities/user.entity.js';
import { Allocation } from '../../recoveries/recoveries/entities/allocation.entity.js';
import { Ceremony } from '../../recoveries/ceremonies/entities/ceremony.entity.js';
import { FreezeOrderEvent } from '../../recoveries/freeze-orders/entities/freeze-order-event.entity.js';
import { FreezeOrder } from '../../recoveries/freeze-orders/entities/freeze-order.entity.js';
import { Recovery } from '../../recoveries/recoveries/entities/recovery.entity.js';

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
  AuditEvent,
];
