/** Request bodies several e2e files post, and the values they are made of. */

/** A valid citizen ID number (居民身份证号) from its first 17 digits, with its GB 11643 check digit. */
export function citizenId(first17: string): string {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

/** A case whose receiving bank card is 6222021234567890128 (the card `flag` pays into). */
export function newCase() {
  return {
    fraudType: 'task_rebate',
    summary: '受害人在兼职群内被诱导刷单返利，先后向对方提供的银行卡转账。',
    reportedAt: '2026-11-21T09:30:00+08:00',
    occurredAt: '2026-11-20T14:00:00+08:00',
    victims: [{ name: '张三', phone: '+86 138-1234-5678', address: '贵阳市云岩区东山路12号' }],
    identifiers: [
      {
        kind: 'bank_card',
        value: '6222 0212 3456 7890 128',
        bankName: '中国工商银行',
        role: 'receiving_account',
      },
      { kind: 'phone', value: '170-0000-1111', role: 'contact_phone' },
    ],
    transfers: [
      {
        victimIndex: 0,
        identifierIndex: 0,
        amountFen: 5_000_000,
        transferredAt: '2026-11-20T14:05:00+08:00',
        channel: 'bank_transfer',
      },
    ],
  };
}

/** A suspicious-transfer flag a bank sends, paying into the card of `newCase`. */
export function flag(externalRef: string, overrides: Record<string, unknown> = {}) {
  return {
    payerAccount: '6212 2624 0200 1234 567',
    payerName: '王某某',
    payeeAccount: '6222 0212 3456 7890 128',
    payeeName: '李某',
    payeeBank: '中国工商银行',
    amountFen: 6_000_000,
    occurredAt: '2026-11-21T10:02:00+08:00',
    reason: '客户首次向陌生个人账户大额转账，自称“刷单返利”',
    externalRef,
    ...overrides,
  };
}
