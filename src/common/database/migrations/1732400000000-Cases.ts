import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ministry's fraud types as they stood when this migration was written (code, Chinese label,
 * English label, first year, last year or null, typical script). Written out, not imported from the
 * cases feature: a migration must do the same thing on every database it ever runs on; a later change
 * to the list is a later migration.
 */
const FRAUD_TYPE_ROWS: readonly (readonly [
  string,
  string,
  string,
  number,
  number | null,
  string,
])[] = [
  [
    'task_rebate',
    '刷单返利',
    'Fake order-brushing tasks with rebates',
    2023,
    null,
    '以“兼职刷单、点赞返佣”为诱饵，先小额返利取得信任，再以“任务未完成”“卡单”为由诱导受害人连续转账。',
  ],
  [
    'fake_investment',
    '虚假投资理财',
    'Fake investment and wealth management',
    2023,
    null,
    '通过交友、荐股群等方式结识受害人，以“内幕消息”“稳赚不赔”为诱饵诱导其在虚假平台投资，前期小额获利可提现，大额投入后便无法提现。',
  ],
  [
    'fake_loan',
    '虚假网络贷款',
    'Fake online loans',
    2023,
    null,
    '以“无抵押、低利息、秒到账”为幌子诱导受害人下载虚假贷款APP，再以“解冻费”“保证金”“刷流水”等名义要求先行转账。',
  ],
  [
    'fake_customer_service',
    '冒充电商物流客服',
    'Impersonating e-commerce or logistics customer service',
    2023,
    null,
    '冒充电商平台或快递客服，谎称商品有质量问题需理赔、快递丢失需赔付或误开会员需取消，诱导受害人开启屏幕共享或借贷后转账。',
  ],
  [
    'impersonate_authorities',
    '冒充公检法',
    'Impersonating police, prosecutors or courts',
    2023,
    2023,
    '冒充公安、检察院、法院工作人员，谎称受害人涉嫌洗钱等犯罪并出示伪造的“通缉令”，以“资金核查”为由要求其将钱款转入“安全账户”。',
  ],
  [
    'impersonate_authorities_gov',
    '冒充公检法及政府机关',
    'Impersonating police, prosecutors, courts or government agencies',
    2024,
    null,
    '冒充公检法或医保、社保、税务等政府机关工作人员，谎称受害人涉嫌违法犯罪或证件、账户异常，以“配合调查”“资金核查”为由诱导其向“安全账户”转账。',
  ],
  [
    'fake_credit',
    '虚假征信',
    'Fake credit-record services',
    2023,
    null,
    '冒充银行、金融平台或征信机构工作人员，谎称受害人的“校园贷”账户未注销或征信有污点，以“消除不良记录”为由诱导其贷款后转账。',
  ],
  [
    'fake_shopping',
    '虚假购物服务',
    'Fake shopping and services',
    2023,
    null,
    '在网络上发布低价商品、代购、代办等虚假信息，诱导受害人绕开正规平台私下交易，收款后拉黑失联或以“定金”“手续费”为由继续索要钱款。',
  ],
  [
    'impersonate_acquaintance',
    '冒充领导熟人',
    'Impersonating a superior or acquaintance',
    2023,
    null,
    '盗用或仿冒领导、亲友的微信、QQ账号添加受害人，以“不方便接电话”“急需用钱”为由，要求其（常为单位财务人员）向指定账户转账。',
  ],
  [
    'game_trade',
    '网络游戏产品虚假交易',
    'Fake trading of online game items',
    2023,
    null,
    '以低价出售或高价收购游戏账号、装备为诱饵，诱导受害人在虚假交易平台交易，再以“账户冻结”“保证金”“解冻费”为由要求转账。',
  ],
  [
    'romance',
    '网络婚恋交友',
    'Online dating and romance fraud',
    2023,
    null,
    '在婚恋、交友平台包装虚假身份，与受害人建立恋爱关系取得信任后，以家人生病、资金周转为由借钱，或诱导其在虚假平台投资、赌博。',
  ],
  ['other', '其他', 'Other', 2023, null, '以上类型以外的其他电信网络诈骗手法。'],
];

/**
 * Cases (案件), victims with encrypted PII, shared identifiers (涉案标识) linked through case rows,
 * victim transfers, status transitions and notes. `cases.loss_fen` is kept equal to the sum of the
 * case's transfers by a trigger, so it always agrees with them.
 */
export class Cases1732400000000 implements MigrationInterface {
  name = 'Cases1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE EXTENSION IF NOT EXISTS pg_trgm;

      CREATE TABLE fraud_types (
        code text PRIMARY KEY,
        label_zh text NOT NULL,
        label_en text NOT NULL,
        valid_from integer NOT NULL,
        valid_to integer,
        typical_script text NOT NULL,
        CHECK (valid_to IS NULL OR valid_to >= valid_from)
      );

      CREATE TABLE case_sequences (
        unit_id uuid NOT NULL REFERENCES units(id),
        year integer NOT NULL,
        last_seq integer NOT NULL,
        PRIMARY KEY (unit_id, year)
      );

      CREATE TABLE cases (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_no text NOT NULL UNIQUE,
        fraud_type text NOT NULL REFERENCES fraud_types(code),
        status text NOT NULL DEFAULT 'reported'
          CHECK (status IN ('reported','registered','investigating','solved','closed','rejected','suspended')),
        summary text NOT NULL,
        reported_at timestamptz NOT NULL,
        occurred_at timestamptz,
        unit_id uuid NOT NULL REFERENCES units(id),
        officer_id uuid REFERENCES users(id),
        loss_fen bigint NOT NULL DEFAULT 0 CHECK (loss_fen >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX cases_unit_reported_idx ON cases (unit_id, reported_at DESC, id DESC);
      CREATE INDEX cases_reported_idx ON cases (reported_at DESC, id DESC);
      CREATE INDEX cases_summary_trgm_idx ON cases USING gin (summary gin_trgm_ops);

      CREATE TABLE victims (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        name_enc text NOT NULL,
        id_number_enc text,
        phone_enc text,
        address_enc text,
        id_number_bidx text,
        phone_bidx text,
        community_unit_id uuid REFERENCES units(id),
        -- clock_timestamp, not now(): rows of one intake keep the order they were given in
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX victims_case_idx ON victims (case_id);
      CREATE INDEX victims_id_number_bidx ON victims (id_number_bidx);
      CREATE INDEX victims_phone_bidx ON victims (phone_bidx);

      -- One immutable row per distinct (kind, normalized value); what a case says about it lives on case_identifiers.
      CREATE TABLE identifiers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('bank_card','phone','wechat','alipay','qq','url','app','other')),
        value text NOT NULL,
        bank_name text,
        luhn_valid boolean,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, value)
      );
      CREATE FUNCTION identifiers_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.kind <> OLD.kind OR NEW.value <> OLD.value THEN
          RAISE EXCEPTION 'identifiers are immutable: unlink and link another value';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER identifiers_immutable BEFORE UPDATE ON identifiers
        FOR EACH ROW EXECUTE FUNCTION identifiers_immutable();

      CREATE TABLE case_identifiers (
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        identifier_id uuid NOT NULL REFERENCES identifiers(id),
        role text NOT NULL DEFAULT 'other'
          CHECK (role IN ('receiving_account','contact_phone','contact_account','website','app','other')),
        note text,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        PRIMARY KEY (case_id, identifier_id)
      );
      CREATE INDEX case_identifiers_identifier_idx ON case_identifiers (identifier_id, case_id);

      CREATE TABLE victim_transfers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        victim_id uuid NOT NULL REFERENCES victims(id) ON DELETE CASCADE,
        identifier_id uuid NOT NULL REFERENCES identifiers(id),
        amount_fen bigint NOT NULL CHECK (amount_fen > 0),
        transferred_at timestamptz NOT NULL,
        channel text NOT NULL CHECK (channel IN ('bank_transfer','wechat_pay','alipay','cash','other')),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX victim_transfers_case_idx ON victim_transfers (case_id);
      CREATE INDEX victim_transfers_identifier_idx ON victim_transfers (identifier_id);

      CREATE FUNCTION cases_recompute_loss() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        UPDATE cases c SET loss_fen = coalesce((SELECT sum(amount_fen) FROM victim_transfers t WHERE t.case_id = c.id), 0)
        WHERE c.id IN (SELECT case_id FROM changed);
        RETURN NULL;
      END $$;
      CREATE TRIGGER victim_transfers_loss_ins AFTER INSERT ON victim_transfers
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION cases_recompute_loss();
      CREATE TRIGGER victim_transfers_loss_upd AFTER UPDATE ON victim_transfers
        REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION cases_recompute_loss();
      CREATE TRIGGER victim_transfers_loss_del AFTER DELETE ON victim_transfers
        REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION cases_recompute_loss();

      CREATE TABLE case_transitions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        from_status text NOT NULL,
        to_status text NOT NULL,
        reason text NOT NULL,
        actor_id uuid REFERENCES users(id),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX case_transitions_case_idx ON case_transitions (case_id, created_at);

      CREATE TABLE case_notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        author_id uuid REFERENCES users(id),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX case_notes_case_idx ON case_notes (case_id, created_at);
    `);
    for (const row of FRAUD_TYPE_ROWS) {
      await q.query(
        `INSERT INTO fraud_types (code, label_zh, label_en, valid_from, valid_to, typical_script)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [...row],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE case_notes; DROP TABLE case_transitions; DROP TABLE victim_transfers;
      DROP FUNCTION cases_recompute_loss(); DROP TABLE case_identifiers; DROP TABLE identifiers;
      DROP FUNCTION identifiers_immutable(); DROP TABLE victims; DROP TABLE cases;
      DROP TABLE case_sequences; DROP TABLE fraud_types;
    `);
  }
}
