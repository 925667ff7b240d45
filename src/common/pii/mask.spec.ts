import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { maskAccount, maskAddress, maskIdNumber, maskName, maskPhone } from './mask.js';

const length = (s: string) => [...s].length;

describe('maskName', () => {
  it('keeps the surname and stars the given name', () => {
    assert.equal(maskName('张三'), '张*');
    assert.equal(maskName('李小龙'), '李**');
    assert.equal(maskName('欧阳娜娜'), '欧***');
    assert.equal(maskName('买买提·艾力'), '买*****');
  });

  it('stars a one-character name entirely', () => {
    assert.equal(maskName('张'), '*');
    assert.equal(maskName(''), '');
  });

  it('keeps the first letter of a Latin name', () => {
    assert.equal(maskName('John Smith'), 'J*********');
    assert.equal(maskName('Li'), 'L*');
  });

  it('counts characters outside the BMP as one', () => {
    assert.equal(maskName('𠮷三'), '𠮷*');
    assert.equal(maskName('张𠮷'), '张*');
  });

  it('ignores surrounding spaces', () => {
    assert.equal(maskName(' 张三 '), '张*');
  });

  it('never shows more than the first character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 2 }), (name) => {
        const masked = maskName(name);
        const chars = [...name.trim()];
        if (chars.length < 2) return;
        assert.equal(masked, chars[0] + '*'.repeat(chars.length - 1));
      }),
    );
  });
});

describe('maskIdNumber', () => {
  it('keeps the first 3 and last 4 and the length', () => {
    assert.equal(maskIdNumber('510104199001011234'), '510***********1234');
    assert.equal(maskIdNumber('11010519491231002X'), '110***********002X');
  });

  it('stars a value too short to show both ends', () => {
    assert.equal(maskIdNumber('1234567'), '*******');
  });
});

describe('maskPhone', () => {
  it('keeps the first 3 and last 4', () => {
    assert.equal(maskPhone('13812345678'), '138****5678');
  });

  it('keeps the length and hides the middle of any 11-digit number', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^1[3-9]\d{9}$/), (phone) => {
        const masked = maskPhone(phone);
        assert.equal(masked.length, 11);
        assert.equal(masked.slice(3, 7), '****');
        assert.equal(masked.slice(0, 3) + masked.slice(7), phone.slice(0, 3) + phone.slice(7));
      }),
    );
  });
});

describe('maskAccount', () => {
  it('keeps the first 6 and last 4 of a card number', () => {
    assert.equal(maskAccount('6222021234567890128'), '622202*********0128');
    assert.equal(maskAccount('4111111111111111'), '411111******1111');
    assert.equal(maskAccount('621700123456'), '621700**3456');
  });

  it('keeps only the last 4 of a short number, and nothing of a very short one', () => {
    assert.equal(maskAccount('1234567890'), '******7890');
    assert.equal(maskAccount('1234'), '****');
  });

  it('keeps the length and shows at most 10 characters', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^\d{12,19}$/), (card) => {
        const masked = maskAccount(card);
        assert.equal(masked.length, card.length);
        assert.equal(masked.replaceAll('*', '').length, 10);
      }),
    );
  });
});

describe('maskAddress', () => {
  it('keeps up to the district, then ****', () => {
    assert.equal(maskAddress('贵阳市云岩区东山路12号'), '贵阳市云岩区****');
    assert.equal(maskAddress('四川省成都市锦江区春熙路街道1号'), '四川省成都市****');
  });

  it('keeps at most half of a short address', () => {
    assert.equal(maskAddress('东山路12号'), '东山路****');
    assert.equal(maskAddress('东'), '****');
    assert.equal(maskAddress(''), '');
  });

  it('never shows more than 6 characters nor tells the length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1 }), (address) => {
        fc.pre(address.trim() !== '');
        const masked = maskAddress(address);
        assert.ok(masked.endsWith('****'));
        assert.ok(length(masked) <= 10);
        assert.ok(address.trim().startsWith(masked.slice(0, -4)));
      }),
    );
  });
});
