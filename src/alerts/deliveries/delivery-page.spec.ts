import assert from 'node:assert/strict';
import { describe, it } from '@jest/globals';
import { DeliveryPageView, deliveryPageHtml, deliveryProblemHtml } from './delivery-page.js';

const view: DeliveryPageView = {
  deliveryId: '6c1f7a0e-4f2b-4f5e-9a51-2a8f0b1f3c11',
  token: '1999999999.abc"><x',
  title: '<script>alert(1)</script>',
  body: '第一段 & "引号"\n第二段',
  fraudTypeZh: '冒充客服',
  typicalScript: "谎称'理赔'",
  severity: 'severe',
  unitName: '黔灵派出所',
  publishedAt: new Date('2026-11-21T02:32:00Z'),
  acknowledgedAt: null,
  canAcknowledge: true,
};

describe('the delivery page for phones', () => {
  it('escapes every field, the token in its attribute too', () => {
    const html = deliveryPageHtml(view);
    assert.ok(!html.includes('<script'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('第一段 &amp; &quot;引号&quot;\n第二段'));
    assert.ok(html.includes('谎称&#39;理赔&#39;'));
    assert.ok(html.includes('value="1999999999.abc&quot;&gt;&lt;x"'));
    assert.ok(html.includes('2026-11-21 10:32'), 'the time as read in China');
  });

  it('offers the button until acknowledged, then says 已确认收到 instead', () => {
    assert.match(deliveryPageHtml(view), /<form method="post" action="\/m\/deliveries\/[^"]+">/);
    const done = deliveryPageHtml({ ...view, acknowledgedAt: new Date('2026-11-21T03:00:00Z') });
    assert.ok(done.includes('已确认收到'));
    assert.ok(!done.includes('<form'));
    assert.ok(!deliveryPageHtml({ ...view, canAcknowledge: false }).includes('<form'));
  });

  it('leaves out an empty typical script and always offers 96110', () => {
    const html = deliveryPageHtml({ ...view, typicalScript: '' });
    assert.ok(!html.includes('典型话术'));
    assert.ok(html.includes('href="tel:96110"'));
  });

  it('explains a link it cannot show in Chinese, with a 403, 404 or 410', () => {
    assert.equal(deliveryProblemHtml('invalid').status, 403);
    assert.equal(deliveryProblemHtml('expired').status, 403);
    assert.ok(deliveryProblemHtml('expired').html.includes('链接已过期'));
    assert.equal(deliveryProblemHtml('not_found').status, 404);
    assert.equal(deliveryProblemHtml('withdrawn').status, 410);
    assert.ok(deliveryProblemHtml('withdrawn').html.includes('tel:96110'));
  });
});
