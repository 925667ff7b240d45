// Deterministic data for the cases benchmarks, written with set-based SQL straight into the database the app
// uses: `cases` cases in the police units of the demo data, five identifiers each (1,000,000 for 200,000
// cases), one victim and one transfer each, and shared identifiers that link cases into small clusters
// (every 10th case names the first card of the next case; every 1000th case shares a phone with 20 others).
import pg from 'pg';

export async function generate(url, { cases = 200_000, victimNameEnc }) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = Date.now();
  try {
    await client.query('SET synchronous_commit = off');
    // Deterministic version-4-shaped UUIDs from a seed text (the API accepts RFC 4122 v4 ids).
    await client.query(
      `CREATE FUNCTION pg_temp.bench_uuid(t text) RETURNS uuid IMMUTABLE LANGUAGE sql AS $$
         SELECT (substr(h, 1, 12) || '4' || substr(h, 14, 3) || '8' || substr(h, 18))::uuid FROM md5(t) AS h $$`,
    );
    const units = (
      await client.query(
        "SELECT id, code FROM units WHERE kind IN ('brigade','station','sub_bureau') ORDER BY code",
      )
    ).rows;
    await client.query(
      'CREATE TEMP TABLE bench_units AS SELECT row_number() OVER (ORDER BY code) - 1 AS n, id, code FROM units WHERE id = ANY($1)',
      [units.map((u) => u.id)],
    );
    const n = units.length;
    await client.query(
      `INSERT INTO cases (id, case_no, fraud_type, status, summary, reported_at, occurred_at, unit_id, loss_fen)
       SELECT pg_temp.bench_uuid('case' || g), u.code || '-2025-B' || lpad(g::text, 7, '0'),
              (ARRAY['task_rebate','fake_investment','fake_loan','fake_customer_service','romance','other'])[1 + g % 6],
              (ARRAY['reported','registered','investigating','solved'])[1 + g % 4],
              '基准测试案件 ' || g || '：受害人被诱导向涉案账户转账。',
              timestamptz '2025-01-01 00:00+08' + make_interval(mins => g),
              timestamptz '2025-01-01 00:00+08' + make_interval(mins => g - 600),
              u.id, 0
       FROM generate_series(1, $1::int) g JOIN bench_units u ON u.n = g % $2`,
      [cases, n],
    );
    // Five identifiers per case: a card, a phone, a WeChat id, a QQ and a URL.
    await client.query(
      `INSERT INTO identifiers (id, kind, value, bank_name, luhn_valid)
       SELECT pg_temp.bench_uuid('ident' || g || '-' || k),
              (ARRAY['bank_card','phone','wechat','qq','url'])[k + 1],
              CASE k WHEN 0 THEN '6222' || lpad(g::text, 15, '0')
                     WHEN 1 THEN '17' || lpad(g::text, 9, '0')
                     WHEN 2 THEN 'wx_bench_' || g
                     WHEN 3 THEN (100000 + g)::text
                     ELSE 'http://bench-' || g || '.example.top/' END,
              CASE k WHEN 0 THEN '中国工商银行' END, CASE k WHEN 0 THEN false END
       FROM generate_series(1, $1::int) g, generate_series(0, 4) k`,
      [cases],
    );
    await client.query(
      `INSERT INTO case_identifiers (case_id, identifier_id, role)
       SELECT pg_temp.bench_uuid('case' || g), pg_temp.bench_uuid('ident' || g || '-' || k),
              (ARRAY['receiving_account','contact_phone','contact_account','contact_account','website'])[k + 1]
       FROM generate_series(1, $1::int) g, generate_series(0, 4) k`,
      [cases],
    );
    // Links: every 10th case also names the next case's card; every 1000th case's phone appears in 20 more cases.
    await client.query(
      `INSERT INTO case_identifiers (case_id, identifier_id, role)
       SELECT pg_temp.bench_uuid('case' || g), pg_temp.bench_uuid('ident' || (g + 1) || '-0'), 'receiving_account'
       FROM generate_series(10, $1::int - 1, 10) g ON CONFLICT DO NOTHING`,
      [cases],
    );
    await client.query(
      `INSERT INTO case_identifiers (case_id, identifier_id, role)
       SELECT pg_temp.bench_uuid('case' || (g + j * 37)), pg_temp.bench_uuid('ident' || g || '-1'), 'contact_phone'
       FROM generate_series(1000, $1::int - 1000, 1000) g, generate_series(1, 20) j ON CONFLICT DO NOTHING`,
      [cases],
    );
    await client.query(
      `INSERT INTO victims (id, case_id, name_enc)
       SELECT pg_temp.bench_uuid('victim' || g), pg_temp.bench_uuid('case' || g), $2 FROM generate_series(1, $1::int) g`,
      [cases, victimNameEnc],
    );
    await client.query(
      `INSERT INTO victim_transfers (case_id, victim_id, identifier_id, amount_fen, transferred_at, channel)
       SELECT pg_temp.bench_uuid('case' || g), pg_temp.bench_uuid('victim' || g), pg_temp.bench_uuid('ident' || g || '-0'),
              10000 + (g * 7919) % 5000000, timestamptz '2025-01-01 00:00+08' + make_interval(mins => g - 300), 'bank_transfer'
       FROM generate_series(1, $1::int) g`,
      [cases],
    );
    await client.query('ANALYZE');
    const counts = (
      await client.query(
        'SELECT (SELECT count(*) FROM cases) AS cases, (SELECT count(*) FROM identifiers) AS identifiers, (SELECT count(*) FROM case_identifiers) AS links',
      )
    ).rows[0];
    return {
      seconds: (Date.now() - started) / 1000,
      counts,
      sampleCaseIds: (
        await client.query("SELECT id FROM cases WHERE summary LIKE '基准%' ORDER BY id LIMIT 500")
      ).rows.map((r) => r.id),
    };
  } finally {
    await client.end();
  }
}
