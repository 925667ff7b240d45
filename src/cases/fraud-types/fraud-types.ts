/**
 * Fraud types (诈骗类型): the ministry's code list changes from year to year (2022: five main
 * types, 2023: ten, 2024 renamed 冒充公检法 to 冒充公检法及政府机关), so each code carries the
 * years in which it is current. A code is never deleted or reused: old cases keep the code they
 * were registered with and statistics across years stay comparable.
 *
 * The Cases migration seeded the `fraud_types` table with a copy of this list (a migration carries
 * its own data); a change here needs a new migration for the table too.
 */
export interface FraudType {
  code: string;
  /** Chinese label, as in police statistics. */
  zh: string;
  en: string;
  /** First year (inclusive) in which the code is current. */
  validFrom: number;
  /** Last year (inclusive) in which the code is current; null while it still is. */
  validTo: number | null;
  /** The typical script (典型诈骗话术), as publicity material describes it; shown with warnings. */
  typicalScript: string;
}

export const FRAUD_TYPES: readonly FraudType[] = [
  {
    code: 'task_rebate',
    zh: '刷单返利',
    en: 'Fake order-brushing tasks with rebates',
    validFrom: 2023,
    validTo: null,
    typicalScript:
      '以“兼职刷单、点赞返佣”为诱饵，先小额返利取得信任，再以“任务未完成”“卡单”为由诱导受害人连续转账。',
  },
  {
    code: 'fake_investment',
    zh: '虚假投资理财',
    en: 'Fake investment and wealth management',
    validFrom: 2023,
    validTo: null,
    typicalScript:
      '通过交友、荐股群等方式结识受害人，以“内幕消息”“稳赚不赔”为诱饵诱导其在虚假平台投资，前期小额获利可提现，大额投入后便无法提现。',
  },
  {
    code: 'fake_loan',
    zh: '虚假网络贷款',
    en: 'Fake online loans',
    validFrom: 2023,
    validTo: null,
    typicalScript:
      '以“无抵押、低利息、秒到账”为幌子诱导受害人下载虚假贷款APP，再以“解冻费”“保证金”“刷流水”等名义要求先行转账。',
  },
  {
    code: 'fake_customer_service',
    zh: '冒充电商物流客服',
    en: 'Impersonating e-commerce or logistics customer service',
    validFrom: 2023,
    validTo: null,
    typicalScript:
      '冒充电商平台或快递客服，谎称商品有质量问题需理赔、快递丢失需赔付或误开会员需取消，诱导受害人开启屏幕共享或借贷后转账。',
  },
  {
    code: 'impersonate_authorities',
    zh: '冒充公检法',
    en: 'Impersonating police, prosecutors or courts',
    validFrom: 2023,
    validTo: 2023,
    typicalScript:
      '冒充公安、检察院、法院工作人员，谎称受害人涉嫌洗钱等犯罪并出示伪造的“通缉令”，以“资金核查”为由要求其将钱款转入“安全账户”。',
  },
  {
    code: 'impersonate_authorities_gov',
    zh: '冒充公检法及政府机关',
    en: 'Impersonating police, prosecutors, courts or government agencies',
    validFrom: 2024,
    validTo: null,
    typicalScript:
      '冒充公检法或医保、社保、税务等政府机关工作人员，谎称受害人涉嫌违法犯罪或证件、账户异常，以“配合调查”“资金核查”为由诱导其向“安全账户”转账。',
  },
  {
    code: 'fake_credit',
    zh: '虚假征信',
    en: 'Fake credit-record services',
    validFrom: 2023,
    validTo: null,
    typicalScript:
      '冒充银行、金融平台或征信机构工作人员，谎称受害人的“校园贷”账户未注销或征信有污点，以“消除不良记录”为由诱导其贷款后转账。',
  },
  {
    code: 'fake_shopping',
    zh: '虚假购物服务',
    en: 'Fake shopping and services',
    validFrom: 2023,
    validTo: null,
    typicalScript:
      '在网络上发布低价商品、代购、代办等虚假信息，诱导受害人绕开正规平台私下交易，收款后拉黑失联或以“定金”“手续费”为由继续索要钱款。',
  },
  {
    code: 'impersonate_acquaintance',
    zh: '冒充领导熟人',
    en: 'Impersonating a superior or acquaintance',
    validFrom: 2023,
    validTo: null,
    typicalScript:
      '盗用或仿冒领导、亲友的微信、QQ账号添加受害人，以“不方便接电话”“急需用钱”为由，要求其（常为单位财务人员）向指定账户转账。',
  },
  {
    code: 'game_trade',
    zh: '网络游戏产品虚假交易',
    en: 'Fake trading of online game items',
    validFrom: 2023,
    validTo: null,
    typicalScript:
      '以低价出售或高价收购游戏账号、装备为诱饵，诱导受害人在虚假交易平台交易，再以“账户冻结”“保证金”“解冻费”为由要求转账。',
  },
  {
    code: 'romance',
    zh: '网络婚恋交友',
    en: 'Online dating and romance fraud',
    validFrom: 2023,
    validTo: null,
    typicalScript:
      '在婚恋、交友平台包装虚假身份，与受害人建立恋爱关系取得信任后，以家人生病、资金周转为由借钱，或诱导其在虚假平台投资、赌博。',
  },
  {
    code: 'other',
    zh: '其他',
    en: 'Other',
    validFrom: 2023,
    validTo: null,
    typicalScript: '以上类型以外的其他电信网络诈骗手法。',
  },
];

const BY_CODE: ReadonlyMap<string, FraudType> = new Map(FRAUD_TYPES.map((t) => [t.code, t]));

/** The fraud type with this code, current or not, or undefined. */
export const findFraudType = (code: string): FraudType | undefined => BY_CODE.get(code);

/** Whether a fraud type's year range covers `year`. */
export const coversYear = (t: FraudType, year: number): boolean =>
  t.validFrom <= year && (t.validTo === null || year <= t.validTo);

/** Whether `code` is on the list of `year` (false for an unknown code). */
export function isCurrent(code: string, year: number): boolean {
  const t = BY_CODE.get(code);
  return t !== undefined && coversYear(t, year);
}

/** The list as it stands in `year`, e.g. for a form's choices. */
export const currentFraudTypes = (year: number): FraudType[] =>
  FRAUD_TYPES.filter((t) => coversYear(t, year));
