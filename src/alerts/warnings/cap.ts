import { stripBidiControls } from '../deliveries/message.js';
import type { Severity, WarningStatus } from './warning-status.js';

/** What a CAP 1.2 alert (OASIS Common Alerting Protocol) needs of a warning. */
export interface CapInput {
  id: string;
  title: string;
  body: string;
  fraudTypeZh: string;
  typicalScript: string;
  severity: Severity;
  status: WarningStatus;
  unitCode: string;
  unitName: string;
  publishedAt: Date | null;
  withdrawnAt: Date | null;
  createdAt: Date;
  /** Names of the target units (communities, stations, sub-bureaus). */
  areas: string[];
}

const CAP_SEVERITY: Record<Severity, string> = {
  extreme: 'Extreme',
  severe: 'Severe',
  moderate: 'Moderate',
  minor: 'Minor',
};
const CAP_URGENCY: Record<Severity, string> = {
  extreme: 'Immediate',
  severe: 'Immediate',
  moderate: 'Expected',
  minor: 'Future',
};

const escapeXml = (s: string) =>
  stripBidiControls(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // Characters XML 1.0 cannot carry at all.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

/** CAP times: no fractional seconds, an explicit offset ("Z" is not allowed); China Standard Time. */
export function capTime(d: Date): string {
  const local = new Date(d.getTime() + 8 * 3600_000);
  return local.toISOString().slice(0, 19) + '+08:00';
}

/**
 * The warning as a CAP 1.2 alert. A withdrawn warning becomes a Cancel that references the
 * original alert. Status is Actual only once published; a draft or approved warning is a Draft.
 */
export function renderCap(w: CapInput): string {
  const sender = `jingwang.${w.unitCode}`.replace(/[\s,<&]/g, '_');
  const identifier = `JW-${w.id}`;
  const originalSent = capTime(w.publishedAt ?? w.createdAt);
  const cancelled = w.status === 'withdrawn';
  const actual = ['published', 'withdrawn', 'scheduled'].includes(w.status);
  const lines: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">',
    `  <identifier>${escapeXml(cancelled ? `${identifier}-cancel` : identifier)}</identifier>`,
    `  <sender>${escapeXml(sender)}</sender>`,
    `  <sent>${cancelled && w.withdrawnAt ? capTime(w.withdrawnAt) : originalSent}</sent>`,
    `  <status>${actual ? 'Actual' : 'Draft'}</status>`,
    `  <msgType>${cancelled ? 'Cancel' : 'Alert'}</msgType>`,
    '  <scope>Public</scope>',
  ];
  if (cancelled)
    lines.push(
      `  <references>${escapeXml(`${sender},${identifier},${originalSent}`)}</references>`,
    );
  lines.push(
    '  <info>',
    '    <language>zh-CN</language>',
    '    <category>Security</category>',
    `    <event>${escapeXml(`电信网络诈骗预警：${w.fraudTypeZh}`)}</event>`,
    `    <urgency>${CAP_URGENCY[w.severity]}</urgency>`,
    `    <severity>${CAP_SEVERITY[w.severity]}</severity>`,
    '    <certainty>Observed</certainty>',
    `    <senderName>${escapeXml(w.unitName)}</senderName>`,
    `    <headline>${escapeXml(w.title)}</headline>`,
    `    <description>${escapeXml(`${w.body}\n\n典型话术：${w.typicalScript}`)}</description>`,
    `    <instruction>${escapeXml('不轻信、不透露、不转账，遇可疑情况及时拨打 96110 或 110 报案。')}</instruction>`,
  );
  const areas = w.areas.length ? w.areas : [w.unitName];
  for (const a of areas)
    lines.push('    <area>', `      <areaDesc>${escapeXml(a)}</areaDesc>`, '    </area>');
  lines.push('  </info>', '</alert>', '');
  return lines.join('\n');
}
