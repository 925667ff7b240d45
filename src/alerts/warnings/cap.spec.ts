import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { capTime, CapInput, renderCap } from './cap.js';

const w: CapInput = {
  id: '6f0c6d3e-0000-4000-8000-000000000001',
  title: '警惕“刷单返利” <新变种> & 话术',
  body: '正文',
  fraudTypeZh: '刷单返利',
  typicalScript: '先小额返利',
  severity: 'severe',
  status: 'published',
  unitCode: 'GY-YY-QL',
  unitName: '云岩分局黔灵派出所',
  publishedAt: new Date('2025-03-01T02:03:04.567Z'),
  withdrawnAt: null,
  createdAt: new Date('2025-03-01T01:00:00Z'),
  areas: ['东山社区', '黔灵东路社区'],
};

describe('CAP 1.2 rendering', () => {
  it('times are China Standard Time without fractions', () => {
    assert.equal(capTime(new Date('2025-03-01T02:03:04.567Z')), '2025-03-01T10:03:04+08:00');
  });
  it('escapes markup in text and lists each area', () => {
    const xml = renderCap(w);
    assert.ok(xml.includes('<headline>警惕“刷单返利” &lt;新变种&gt; &amp; 话术</headline>'));
    assert.equal(xml.match(/<areaDesc>/g)?.length, 2);
    assert.ok(xml.includes('<msgType>Alert</msgType>'));
    assert.ok(xml.includes('<status>Actual</status>'));
    assert.ok(xml.includes('<severity>Severe</severity>'));
  });
  it('carries no bidirectional controls in any text', () => {
    const xml = renderCap({
      ...w,
      title: '警惕\u202E0110 69\u202C诈骗',
      body: '正文\u2066隔离\u2069',
      unitName: '黔灵\u200F派出所',
      areas: ['东山\u061C社区'],
    });
    assert.ok(!/[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/.test(xml));
    assert.ok(xml.includes('<headline>警惕0110 69诈骗</headline>'));
    assert.ok(xml.includes('<senderName>黔灵派出所</senderName>'));
  });
  it('a withdrawn warning is a Cancel referencing the original', () => {
    const xml = renderCap({
      ...w,
      status: 'withdrawn',
      withdrawnAt: new Date('2025-03-02T00:00:00Z'),
    });
    assert.ok(xml.includes('<msgType>Cancel</msgType>'));
    assert.ok(
      xml.includes(
        `<references>jingwang.GY-YY-QL,JW-${w.id},2025-03-01T10:03:04+08:00</references>`,
      ),
    );
  });
});
