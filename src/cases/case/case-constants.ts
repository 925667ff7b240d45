/** What a case says an identifier is (kept on the case's link row, never on the shared identifier). */
export const IDENTIFIER_ROLES = [
  'receiving_account', // 收款账户
  'contact_phone', // 联系电话
  'contact_account', // 联系账号（微信、QQ…）
  'website', // 诈骗网站
  'app', // 诈骗APP
  'other',
] as const;

/** How a victim paid (被骗转账渠道). */
export const TRANSFER_CHANNELS = [
  'bank_transfer',
  'wechat_pay',
  'alipay',
  'cash',
  'other',
] as const;
