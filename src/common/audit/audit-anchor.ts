import { createHmac, timingSafeEqual } from 'node:crypto';

/** The chain's head at one moment, kept outside the database. */
export interface Anchor {
  at: Date;
  id: string;
  hash: string;
}

function signature(key: Buffer, body: string): string {
  return createHmac('sha256', key).update(`jingwang-audit-anchor\n${body}`).digest('hex');
}

/** One line of the anchor file: `<time> <id> <hash> <HMAC of the three with the audit key>`. */
export function anchorLine(key: Buffer, a: Anchor): string {
  const body = `${a.at.toISOString()} ${a.id} ${a.hash}`;
  return `${body} ${signature(key, body)}\n`;
}

/**
 * The anchors of a file's text, and the first line not signed with `key` (a forged or damaged
 * line; or a file written under another key). Blank lines are skipped.
 */
export function parseAnchors(
  key: Buffer,
  text: string,
): { anchors: Anchor[]; invalid?: { line: number; id: string } } {
  const anchors: Anchor[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const m = /^(\S+) (\d+) ([0-9a-f]{64}) ([0-9a-f]{64})$/.exec(line);
    const body = m ? `${m[1]} ${m[2]} ${m[3]}` : '';
    const valid =
      m !== null &&
      !Number.isNaN(Date.parse(m[1])) &&
      timingSafeEqual(Buffer.from(m[4], 'hex'), Buffer.from(signature(key, body), 'hex'));
    if (!valid)
      return { anchors, invalid: { line: i + 1, id: /^\S+ (\d+) /.exec(line)?.[1] ?? '' } };
    anchors.push({ at: new Date(m[1]), id: m[2], hash: m[3] });
  }
  return { anchors };
}

/** The anchor naming the highest row: the chain links every earlier row to it. */
export function latestAnchor(anchors: Anchor[]): Anchor | undefined {
  let latest: Anchor | undefined;
  for (const a of anchors) if (!latest || BigInt(a.id) > BigInt(latest.id)) latest = a;
  return latest;
}
