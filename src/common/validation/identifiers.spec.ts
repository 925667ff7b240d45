import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import {
  checkAlipay,
  checkApp,
  checkBankCard,
  checkCitizenId,
  checkMobile,
  checkOther,
  checkQq,
  checkUrl,
  checkWechat,
  IDENTIFIER_KINDS,
  isIdentifierKind,
  luhnValid,
  normalizeIdentifier,
} from './identifiers.js';

/** "Today" for every date check below, so the tests do not age. */
const NOW = new Date('2025-06-01T04:00:00Z');

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/** The GB 11643 check character, computed independently of the code under test. */
function checkChar(first17: string): string {
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * WEIGHTS[i], 0);
  return '10X98765432'[sum % 11];
}

/** A citizen ID number with a correct check character. */
const idNumber = (first17: string) => first17 + checkChar(first17);

const PROVINCES = [
  ...[11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46],
  ...[50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82],
].map(String);

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Valid ID numbers: any province, any day from 1900-01-01 to 2024-12-31, any sequence number. */
const validIdNumber = fc
  .record({
    province: fc.constantFrom(...PROVINCES),
    rest: fc.integer({ min: 0, max: 9999 }),
    day: fc.integer({
      min: Date.UTC(1900, 0, 1) / 86_400_000,
      max: Date.UTC(2024, 11, 31) / 86_400_000,
    }),
    seq: fc.integer({ min: 0, max: 999 }),
  })
  .map(({ province, rest, day, seq }) => {
    const birth = new Date(day * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
    return idNumber(`${province}${pad(rest, 4)}${birth}${pad(seq, 3)}`);
  });

describe('checkCitizenId (居民身份证号)', () => {
  it('accepts the well-known sample and answers birth date and sex', () => {
    assert.deepEqual(checkCitizenId('11010519491231002X', NOW), {
      ok: true,
      value: '11010519491231002X',
      birthDate: '1949-12-31',
      sex: 'female',
    });
  });

  it('computes the sample check digit the same way the test helper does', () => {
    assert.equal(checkChar('11010519491231002'), 'X');
  });

  it('normalizes a lower-case x and strips spaces', () => {
    const r = checkCitizenId(' 110105 19491231 002x ', NOW);
    assert.equal(r.ok && r.value, '11010519491231002X');
  });

  it('answers male for an odd 17th digit', () => {
    const id = idNumber('51010419900101123');
    const r = checkCitizenId(id, NOW);
    assert.ok(r.ok);
    assert.equal(r.sex, 'male');
    assert.equal(r.birthDate, '1990-01-01');
  });

  it('accepts full-width digits typed by a Chinese input method', () => {
    const r = checkCitizenId('１１０１０５１９４９１２３１００２Ｘ', NOW);
    assert.equal(r.ok && r.value, '11010519491231002X');
  });

  it('rejects a wrong check digit', () => {
    assert.deepEqual(checkCitizenId('110105194912310021', NOW), {
      ok: false,
      problem: 'has a wrong check digit',
    });
  });

  it('rejects a wrong length and non-digits', () => {
    assert.deepEqual(checkCitizenId('11010519491231002', NOW), {
      ok: false,
      problem: 'must be 18 characters',
    });
    assert.deepEqual(checkCitizenId('110105194912310A2X', NOW), {
      ok: false,
      problem: 'must be 17 digits followed by a digit or X',
    });
    assert.equal(checkCitizenId('', NOW).ok, false);
  });

  it('rejects 30 February and 29 February of a common year, accepts it in a leap year', () => {
    const feb30 = idNumber('11010519900230123');
    assert.deepEqual(checkCitizenId(feb30, NOW), {
      ok: false,
      problem: 'has an impossible birth date',
    });
    assert.equal(checkCitizenId(idNumber('11010519000229123'), NOW).ok, false); // 1900: not leap
    assert.equal(checkCitizenId(idNumber('11010520000229123'), NOW).ok, true); // 2000: leap
    assert.equal(checkCitizenId(idNumber('11010519960229123'), NOW).ok, true);
    assert.equal(checkCitizenId(idNumber('11010519951301123'), NOW).ok, false); // month 13
    assert.equal(checkCitizenId(idNumber('11010519950100123'), NOW).ok, false); // day 0
  });

  it('rejects a birth year before 1900', () => {
    assert.deepEqual(checkCitizenId(idNumber('11010518991231123'), NOW), {
      ok: false,
      problem: 'has an impossible birth date',
    });
  });

  it('rejects a birth date in the future, judged by the date in China', () => {
    // 2025-06-01T04:00Z is 12:00 on 1 June in Beijing.
    assert.equal(checkCitizenId(idNumber('11010520250601123'), NOW).ok, true);
    assert.deepEqual(checkCitizenId(idNumber('11010520250602123'), NOW), {
      ok: false,
      problem: 'has a birth date in the future',
    });
    // 16:30 UTC on 31 May is already 1 June in Beijing.
    const lateUtc = new Date('2025-05-31T16:30:00Z');
    assert.equal(checkCitizenId(idNumber('11010520250601123'), lateUtc).ok, true);
  });

  it('rejects an unknown region code', () => {
    for (const province of [
      '00',
      '10',
      '16',
      '20',
      '30',
      '47',
      '55',
      '60',
      '66',
      '70',
      '80',
      '83',
      '91',
    ]) {
      assert.deepEqual(checkCitizenId(idNumber(`${province}010519491231002`), NOW), {
        ok: false,
        problem: 'has an unknown region code',
      });
    }
  });

  it('accepts every generated valid number', () => {
    fc.assert(
      fc.property(validIdNumber, (id) => {
        const r = checkCitizenId(id, NOW);
        assert.ok(r.ok, `${id}: ${r.ok ? '' : r.problem}`);
        assert.equal(r.value, id);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects any single-digit change in the first 17 digits', () => {
    fc.assert(
      fc.property(
        validIdNumber,
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 1, max: 9 }),
        (id, position, shift) => {
          const digit = String((Number(id[position]) + shift) % 10);
          const changed = id.slice(0, position) + digit + id.slice(position + 1);
          assert.equal(checkCitizenId(changed, NOW).ok, false, changed);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('rejects any other last character', () => {
    fc.assert(
      fc.property(validIdNumber, fc.constantFrom(...'0123456789X'), (id, last) => {
        fc.pre(last !== id[17]);
        assert.equal(checkCitizenId(id.slice(0, 17) + last, NOW).ok, false);
      }),
    );
  });
});

describe('checkMobile (手机号)', () => {
  it('accepts plain and decorated forms', () => {
    for (const raw of [
      '13812345678',
      '138 1234 5678',
      '138-1234-5678',
      '+86 138 1234 5678',
      '+86-13812345678',
      '008613812345678',
      '8613812345678',
      '１３８１２３４５６７８',
    ]) {
      assert.deepEqual(checkMobile(raw), { ok: true, value: '13812345678' }, raw);
    }
  });

  it('accepts every second digit from 3 to 9', () => {
    for (const second of '3456789') assert.equal(checkMobile(`1${second}012345678`).ok, true);
  });

  it('rejects wrong lengths, prefixes and characters', () => {
    assert.deepEqual(checkMobile('1381234567'), { ok: false, problem: 'must be 11 digits' });
    assert.deepEqual(checkMobile('12812345678'), {
      ok: false,
      problem: 'must start with 13 to 19',
    });
    assert.deepEqual(checkMobile('23812345678'), {
      ok: false,
      problem: 'must start with 13 to 19',
    });
    assert.deepEqual(checkMobile('1381234567a'), {
      ok: false,
      problem: 'must contain only digits',
    });
    assert.equal(checkMobile('').ok, false);
    // A bare 86 is a country code only when it makes 13 digits.
    assert.equal(checkMobile('86138123456').ok, false);
    // A landline with an area code is not a mobile number.
    assert.equal(checkMobile('0851-86801234').ok, false);
  });
});

describe('checkBankCard (银行卡号)', () => {
  it('strips spaces and dashes and flags a Luhn-valid card', () => {
    assert.deepEqual(checkBankCard('6222 0212 3456 7890 128'), {
      ok: true,
      value: '6222021234567890128',
      luhnValid: luhnValid('6222021234567890128'),
    });
    assert.deepEqual(checkBankCard('4111-1111-1111-1111'), {
      ok: true,
      value: '4111111111111111',
      luhnValid: true,
    });
  });

  it('keeps a number that is not a Luhn number, flagged', () => {
    assert.deepEqual(checkBankCard('4111111111111112'), {
      ok: true,
      value: '4111111111111112',
      luhnValid: false,
    });
  });

  it('accepts 12 to 19 digits only', () => {
    assert.equal(checkBankCard('1'.repeat(11)).ok, false);
    assert.equal(checkBankCard('1'.repeat(12)).ok, true);
    assert.equal(checkBankCard('1'.repeat(19)).ok, true);
    assert.deepEqual(checkBankCard('1'.repeat(20)), {
      ok: false,
      problem: 'must be 12 to 19 digits',
    });
    assert.deepEqual(checkBankCard('6222x0212345678'), {
      ok: false,
      problem: 'must contain only digits',
    });
  });

  it('Luhn: known numbers, and every single-digit change breaks a valid one', () => {
    assert.equal(luhnValid('79927398713'), true);
    assert.equal(luhnValid('79927398710'), false);
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 11, maxLength: 18 }),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (body, at, shift) => {
          const check = [...'0123456789'].find((d) => luhnValid(body + d));
          assert.ok(check !== undefined);
          const card = body + check;
          const i = at % card.length;
          const changed =
            card.slice(0, i) + String((Number(card[i]) + shift) % 10) + card.slice(i + 1);
          assert.equal(luhnValid(changed), false);
        },
      ),
    );
  });
});

describe('checkWechat (微信号)', () => {
  it('accepts an id and lower-cases it', () => {
    assert.deepEqual(checkWechat(' Zhang_San-88 '), {
      ok: true,
      value: 'zhang_san-88',
      viaPhone: false,
    });
    assert.deepEqual(checkWechat('wxid_a1b2c3d4e5f6'), {
      ok: true,
      value: 'wxid_a1b2c3d4e5f6',
      viaPhone: false,
    });
  });

  it('accepts a phone number used as WeChat id', () => {
    assert.deepEqual(checkWechat('+86 138-1234-5678'), {
      ok: true,
      value: '13812345678',
      viaPhone: true,
    });
  });

  it('rejects ids that are too short, too long, start with a digit or hold other characters', () => {
    for (const raw of [
      'abcde',
      'a'.repeat(21),
      '1abcdef',
      '_abcdef',
      'zhang san',
      'zhang.san',
      '张三abcdef',
      '',
    ]) {
      assert.equal(checkWechat(raw).ok, false, raw);
    }
  });
});

describe('checkQq', () => {
  it('accepts 5 to 11 digits not starting with 0', () => {
    assert.deepEqual(checkQq('10001'), { ok: true, value: '10001' });
    assert.deepEqual(checkQq(' 123 456 789 '), { ok: true, value: '123456789' });
    assert.equal(checkQq('12345678901').ok, true);
  });

  it('rejects the rest', () => {
    for (const raw of ['1234', '123456789012', '012345', '12345a', '']) {
      assert.deepEqual(
        checkQq(raw),
        { ok: false, problem: 'must be 5 to 11 digits not starting with 0' },
        raw,
      );
    }
  });
});

describe('checkAlipay (支付宝账号)', () => {
  it('accepts an e-mail address, lower-cased', () => {
    assert.deepEqual(checkAlipay(' Li.Si@Example.COM '), {
      ok: true,
      value: 'li.si@example.com',
      form: 'email',
    });
  });

  it('accepts a mobile number, normalized', () => {
    assert.deepEqual(checkAlipay('+86 13812345678'), {
      ok: true,
      value: '13812345678',
      form: 'phone',
    });
  });

  it('rejects anything else', () => {
    for (const raw of ['lisi', 'li@si', 'li si@example.com', '@example.com', '1381234567', '']) {
      assert.deepEqual(
        checkAlipay(raw),
        { ok: false, problem: 'must be an e-mail address or a mobile number' },
        raw,
      );
    }
  });
});

describe('checkUrl', () => {
  const cases: [string, string][] = [
    [
      'https://WWW.Example.COM/Path/To?Invite=AbC#top',
      'https://www.example.com/Path/To?Invite=AbC',
    ],
    ['HTTP://example.com:80/x', 'http://example.com/x'],
    ['https://example.com:443/', 'https://example.com/'],
    ['https://example.com:8443/a', 'https://example.com:8443/a'],
    ['www.Example.com/x', 'http://www.example.com/x'],
    ['example.com:8080/app?id=1', 'http://example.com:8080/app?id=1'],
    ['  https://example.com/x?  ', 'https://example.com/x'],
    ['http://8.8.8.8/a', 'http://8.8.8.8/a'],
    ['http://例子.中国/下载', 'http://xn--fsqu00a.xn--fiqs8s/%E4%B8%8B%E8%BD%BD'],
  ];
  for (const [raw, want] of cases) {
    it(`normalizes ${raw.trim()}`, () => {
      assert.deepEqual(checkUrl(raw), { ok: true, value: want });
    });
  }

  it('rejects other schemes, hosts without a dot and junk', () => {
    assert.deepEqual(checkUrl('ftp://example.com/x'), {
      ok: false,
      problem: 'must be an http or https address',
    });
    assert.deepEqual(checkUrl('javascript:alert(1)'), {
      ok: false,
      problem: 'must be an http or https address',
    });
    assert.deepEqual(checkUrl('mailto:a@example.com'), {
      ok: false,
      problem: 'must be an http or https address',
    });
    assert.deepEqual(checkUrl('http://localhost/x'), {
      ok: false,
      problem: 'must have a full host name',
    });
    assert.deepEqual(checkUrl('http://exa mple.com'), {
      ok: false,
      problem: 'is not a valid web address',
    });
    assert.deepEqual(checkUrl('   '), { ok: false, problem: 'must not be empty' });
    assert.equal(checkUrl(`http://example.com/${'a'.repeat(2000)}`).ok, false);
  });
});

describe('checkApp and checkOther', () => {
  it('trim and count characters, not bytes', () => {
    assert.deepEqual(checkApp('  安心理财 Pro '), { ok: true, value: '安心理财 Pro' });
    assert.equal(checkApp('汉'.repeat(100)).ok, true);
    assert.deepEqual(checkApp('汉'.repeat(101)), {
      ok: false,
      problem: 'must be at most 100 characters',
    });
    assert.deepEqual(checkApp(' \t '), { ok: false, problem: 'must not be empty' });
    assert.equal(checkOther('x'.repeat(200)).ok, true);
    assert.equal(checkOther('x'.repeat(201)).ok, false);
  });
});

describe('normalizeIdentifier', () => {
  it('dispatches on the kind and sets luhnValid only for bank cards', () => {
    assert.deepEqual(normalizeIdentifier('bank_card', '4111 1111 1111 1111'), {
      ok: true,
      value: '4111111111111111',
      luhnValid: true,
    });
    assert.deepEqual(normalizeIdentifier('phone', '+86 138 1234 5678'), {
      ok: true,
      value: '13812345678',
      luhnValid: null,
    });
    assert.deepEqual(normalizeIdentifier('wechat', 'ZhangSan88'), {
      ok: true,
      value: 'zhangsan88',
      luhnValid: null,
    });
    assert.deepEqual(normalizeIdentifier('alipay', 'A@B.cn'), {
      ok: true,
      value: 'a@b.cn',
      luhnValid: null,
    });
    assert.deepEqual(normalizeIdentifier('qq', '10001'), {
      ok: true,
      value: '10001',
      luhnValid: null,
    });
    assert.deepEqual(normalizeIdentifier('url', 'Example.com'), {
      ok: true,
      value: 'http://example.com/',
      luhnValid: null,
    });
    assert.deepEqual(normalizeIdentifier('app', ' 安心理财 '), {
      ok: true,
      value: '安心理财',
      luhnValid: null,
    });
    assert.deepEqual(normalizeIdentifier('other', ' 某某 '), {
      ok: true,
      value: '某某',
      luhnValid: null,
    });
    assert.deepEqual(normalizeIdentifier('phone', '123'), {
      ok: false,
      problem: 'must be 11 digits',
    });
  });

  it('answers a problem, not an exception, for a kind that slipped past the type', () => {
    const kind = 'fax' as unknown as 'phone';
    assert.equal(normalizeIdentifier(kind, '1').ok, false);
    assert.equal(isIdentifierKind('fax'), false);
    assert.equal(IDENTIFIER_KINDS.every(isIdentifierKind), true);
  });

  const digitsWithNoise = fc
    .array(fc.constantFrom(...'0123456789', ' ', '-', '+'), { maxLength: 24 })
    .map((cs) => cs.join(''));
  const phoneLike = fc
    .tuple(
      fc.constantFrom('', '+86', '0086', '86', '+86 ', ' '),
      fc.integer({ min: 3, max: 9 }),
      fc.string({ unit: fc.constantFrom(...'0123456789- '), minLength: 9, maxLength: 14 }),
    )
    .map(([prefix, second, rest]) => `${prefix}1${second}${rest}`);
  const inputs: Record<(typeof IDENTIFIER_KINDS)[number], fc.Arbitrary<string>> = {
    bank_card: fc.oneof(digitsWithNoise, fc.string()),
    phone: fc.oneof(phoneLike, digitsWithNoise, fc.string()),
    wechat: fc.oneof(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{5,19}$/), phoneLike, fc.string()),
    alipay: fc.oneof(fc.emailAddress(), phoneLike, fc.string()),
    qq: fc.oneof(digitsWithNoise, fc.string()),
    url: fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.domain(),
      fc.string(),
    ),
    app: fc.string({ unit: 'grapheme', maxLength: 120 }),
    other: fc.string({ unit: 'grapheme', maxLength: 220 }),
  };

  for (const kind of IDENTIFIER_KINDS) {
    it(`is idempotent for ${kind}`, () => {
      fc.assert(
        fc.property(inputs[kind], (raw) => {
          const once = normalizeIdentifier(kind, raw);
          if (!once.ok) return;
          assert.deepEqual(
            normalizeIdentifier(kind, once.value),
            once,
            `${JSON.stringify(raw)} → ${once.value}`,
          );
        }),
        { numRuns: 1000 },
      );
    });
  }

  it('is idempotent for citizen ID numbers', () => {
    fc.assert(
      fc.property(validIdNumber, fc.boolean(), (id, lower) => {
        const once = checkCitizenId(lower ? ` ${id.toLowerCase()} ` : id, NOW);
        assert.ok(once.ok);
        assert.deepEqual(checkCitizenId(once.value, NOW), once);
      }),
    );
  });
});
