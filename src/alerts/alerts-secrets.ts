import { Inject, Injectable } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import { APP_CONFIG, AppConfig } from '../common/config/config.js';
import { PiiCipher } from '../common/pii/pii-crypto.js';

/** Channel secrets (robot URLs, webhook secrets) encrypted at rest, and the ack-link key. */
@Injectable()
export class AlertsSecrets {
  readonly cipher: PiiCipher;
  readonly ackKey: Buffer;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.cipher = PiiCipher.fromMasterKey(config.piiKey, config.piiKeyId);
    this.ackKey = createHmac('sha256', config.jwtSecret).update('jingwang/alerts/ack/v1').digest();
  }
}
