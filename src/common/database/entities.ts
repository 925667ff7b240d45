import { Coordinator } from '../../alerts/coordinators/entities/coordinator.entity.js';
import { Delivery } from '../../alerts/deliveries/entities/delivery.entity.js';
import { Warning } from '../../alerts/warnings/entities/warning.entity.js';
import { Case } from '../../cases/entities/case.entity.js';
import { Dissuasion } from '../../cases/entities/dissuasion.entity.js';
import { Identifier } from '../../cases/entities/identifier.entity.js';
import { TransferFlag } from '../../cases/entities/transfer-flag.entity.js';
import { TransferHit } from '../../cases/entities/transfer-hit.entity.js';
import { Victim } from '../../cases/entities/victim.entity.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import { ApiKey } from '../../identity/entities/api-key.entity.js';
import { Notification } from '../../identity/entities/notification.entity.js';
import { Unit } from '../../identity/entities/unit.entity.js';
import { User } from '../../identity/entities/user.entity.js';
import { Allocation } from '../../recoveries/entities/allocation.entity.js';
import { Ceremony } from '../../recoveries/entities/ceremony.entity.js';
import { FreezeOrderEvent } from '../../recoveries/entities/freeze-order-event.entity.js';
import { FreezeOrder } from '../../recoveries/entities/freeze-order.entity.js';
import { Recovery } from '../../recoveries/entities/recovery.entity.js';

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
