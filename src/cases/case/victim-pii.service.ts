import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { maskAddress, maskIdNumber, maskName, maskPhone } from '../../common/pii/mask.js';
import { PiiCipher } from '../../common/pii/pii-crypto.js';
import type { VictimDto } from './dto/case.dto.js';
import type { Victim } from './entities/victim.entity.js';

export interface VictimPlain {
  name: string;
  idNumber: string | null;
  phone: string | null;
  address: string | null;
}

/** Encrypts victim PII for storage and turns stored rows into masked (or, when allowed, clear) DTOs. */
@Injectable()
export class VictimPiiService {
  readonly cipher: PiiCipher;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.cipher = PiiCipher.fromMasterKey(config.piiKey, config.piiKeyId);
  }

  encrypt(v: VictimPlain) {
    const enc = (s: string | null) => (s === null ? null : this.cipher.encrypt(s));
    return {
      nameEnc: this.cipher.encrypt(v.name),
      idNumberEnc: enc(v.idNumber),
      phoneEnc: enc(v.phone),
      addressEnc: enc(v.address),
      idNumberBidx: v.idNumber ? this.cipher.blindIndex('id_number', v.idNumber) : null,
      phoneBidx: v.phone ? this.cipher.blindIndex('phone', v.phone) : null,
    };
  }

  toDto(v: Victim, reveal: boolean): VictimDto {
    const dec = (s: string | null) => (s === null ? null : this.cipher.decrypt(s));
    const name = this.cipher.decrypt(v.nameEnc);
    const idNumber = dec(v.idNumberEnc);
    const phone = dec(v.phoneEnc);
    const address = dec(v.addressEnc);
    return {
      id: v.id,
      name: reveal ? name : maskName(name),
      idNumber: idNumber === null ? null : reveal ? idNumber : maskIdNumber(idNumber),
      phone: phone === null ? null : reveal ? phone : maskPhone(phone),
      address: address === null ? null : reveal ? address : maskAddress(address),
      communityUnitId: v.communityUnitId,
      revealed: reveal,
    };
  }
}
