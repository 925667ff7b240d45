import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from '@jest/globals';
import {
  CLOSING_LINE,
  cutToBytes,
  renderWarningMarkdown,
  renderWarningText,
  renderWithdrawalMarkdown,
  renderWithdrawalText,
  signAckToken,
  stripBidiControls,
  verifyAckToken,
  WECOM_MAX_BYTES,
  WarningMessageInput,
} from './message.js';

const base: WarningMessageInput = {
  title: '警惕冒充电商客服退款诈骗',
  body: '近期辖区发生多起冒充电商客服以“商品质量问题理赔”为由实施的诈骗。',
  fraudTypeZh: '冒充电商物流客服',
  typicalScript: '冒充电商平台或快递客服，谎称商品有质量问题需理赔。',
  severity: 'severe',
  unitName: '云岩分局黔灵派出所',
  ackUrl: 'http://x/api/v1/deliveries/d1/ack?token=t',
  fullTextUrl: 'http://x/api/v1/deliveries/d1/message?token=t',
};

describe('warning message rendering', () => {
  it('holds the warning, the typical script, the closing line and the acknowledgement link', () => {
    const md = renderWarningMarkdown(base);
    assert.ok(md.startsWith('# 【反诈预警】警惕冒充电商客服退款诈骗'));
    assert.ok(md.includes(base.body));
    assert.ok(md.includes('**典型话术**：' + base.typicalScript));
    assert.ok(md.includes(CLOSING_LINE));
    assert.ok(md.includes('不轻信、不透露、不转账、及时报案 96110'));
    assert.ok(md.includes(`[已收到，点此确认](${base.ackUrl})`));
    assert.ok(md.includes('严重'));
    assert.ok(!md.includes('阅读全文'), 'a short warning is not cut');
  });

  it('cuts a long body to 4096 bytes at a character boundary and links to the full text', () => {
    const body = '诈'.repeat(3000) + '🚨'.repeat(500); // 9000 + 2000 bytes
    const md = renderWarningMarkdown({ ...base, body });
    assert.ok(Buffer.byteLength(md, 'utf8') <= WECOM_MAX_BYTES);
    assert.ok(Buffer.byteLength(md, 'utf8') > WECOM_MAX_BYTES - 8, 'uses the room it has');
    assert.ok(!md.includes('\uFFFD'));
    assert.equal(Buffer.from(md, 'utf8').toString('utf8'), md, 'valid UTF-8 throughout');
    assert.ok(md.includes(`[阅读全文](${base.fullTextUrl})`));
    assert.ok(md.includes(CLOSING_LINE), 'the closing line survives the cut');
    assert.ok(md.includes(base.ackUrl), 'the acknowledgement link survives the cut');
  });

  it('never splits a 4-byte character', () => {
    assert.equal(cutToBytes('a🚨b', 4), 'a');
    assert.equal(cutToBytes('a🚨b', 5), 'a🚨');
    assert.equal(cutToBytes('诈骗', 5), '诈');
  });

  it('the withdrawal notice names the warning and the reason', () => {
    const md = renderWithdrawalMarkdown({
      title: '某预警',
      unitName: '黔灵派出所',
      reason: '信息有误',
    });
    assert.match(md, /预警撤回/);
    assert.match(md, /某预警/);
    assert.match(md, /信息有误/);
  });
});

describe('acknowledgement tokens', () => {
  const key = randomBytes(32);
  it('accepts its own token until it expires, and only for its delivery', () => {
    const token = signAckToken(key, 'd1', 1000);
    assert.equal(verifyAckToken(key, 'd1', token, 999), 'ok');
    assert.equal(verifyAckToken(key, 'd1', token, 1001), 'expired');
    assert.equal(verifyAckToken(key, 'd2', token, 999), 'invalid');
    assert.equal(verifyAckToken(randomBytes(32), 'd1', token, 999), 'invalid');
  });
  it('rejects a token whose expiry was moved forward, and garbage', () => {
    const [, mac] = signAckToken(key, 'd1', 1000).split('.');
    assert.equal(verifyAckToken(key, 'd1', `999999.${mac}`, 999), 'invalid');
    assert.equal(verifyAckToken(key, 'd1', 'nonsense', 0), 'invalid');
  });
});

describe('text that goes out', () => {
  it('loses every bidirectional control and nothing else', () => {
    const controls = [
      '\u202A',
      '\u202B',
      '\u202C',
      '\u202D',
      '\u202E',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200E',
      '\u200F',
      '\u061C',
    ];
    const text = `请拨打${controls.join('')}96110，勿转账 مرحبا`;
    assert.equal(stripBidiControls(text), '请拨打96110，勿转账 مرحبا');
    assert.equal(stripBidiControls('\u202E0110 69 打拨'), '0110 69 打拨');
    // Neighbours that are not controls stay (zero-width joiner, word joiner).
    assert.equal(stripBidiControls('a\u200Db\u2060c\u2065d'), 'a\u200Db\u2060c\u2065d');
  });
});

describe('plain-text messages (manual channel, pasted into WeChat groups)', () => {
  const markup = /<font|<\/font>|\*\*|\]\(|^#|^>/m;

  it('carries the whole warning with Chinese labels, no markup, and the link as a bare URL', () => {
    const text = renderWarningText(base);
    assert.doesNotMatch(text, markup);
    assert.deepEqual(text.split('\n'), [
      '【反诈预警】警惕冒充电商客服退款诈骗',
      '诈骗类型：冒充电商物流客服',
      '预警级别：严重',
      '发布单位：云岩分局黔灵派出所',
      '',
      base.body,
      '',
      '典型话术：' + base.typicalScript,
      '',
      CLOSING_LINE,
      '',
      `已收到请点此确认：${base.ackUrl}`,
    ]);
  });

  it('keeps the line breaks of the body, is never cut, and leaves out an empty typical script', () => {
    const body = '第一段。\n第二段。\n' + '长'.repeat(3000);
    const text = renderWarningText({ ...base, body, typicalScript: '' });
    assert.ok(text.includes(body), 'the whole body, its line breaks kept');
    assert.ok(!text.includes('典型话术'));
    assert.ok(text.endsWith(base.ackUrl));
  });

  it('words a withdrawal without markup', () => {
    const text = renderWithdrawalText({ title: 'T', unitName: '黔灵派出所', reason: '信息有误' });
    assert.doesNotMatch(text, markup);
    assert.ok(text.startsWith('【预警撤回】T\n发布单位：黔灵派出所'));
    assert.ok(text.includes('撤回原因：信息有误'));
    assert.ok(text.endsWith(CLOSING_LINE));
  });
});
