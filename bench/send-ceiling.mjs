// What one process can send to the fake robot with nothing else to do: the app's own robot send
// (`sendWecom` from dist/, same HTTP client, same connection pool, same URL check), SENDS messages
// with ALERTS_SENDS_IN_FLIGHT (the worker's cap, 512) at once, each to a robot key of its own, no
// database and no queue. Every delivery is one such send, so no delivery rate on this machine can
// pass this one; bench/alerts.mjs starts it in the same run as the deliveries and reports their
// rate against it as well as against BullMQ's empty jobs. The markdown is the size of a rendered
// warning. Prints one JSON line: { sends, inFlight, seconds, sendsPerSecond, cpuMsPerThousand }.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const DIST = process.env.CEILING_DIST;
const SENDS = Number(process.env.CEILING_SENDS ?? 50_000);
const IN_FLIGHT = Number(process.env.ALERTS_SENDS_IN_FLIGHT || 512);
const base = process.env.WECOM_API_BASE;
const { sendWecom } = await import(
  pathToFileURL(join(DIST, 'alerts', 'deliveries', 'channels.js')).href
);
const policy = { wecomApiBase: base, webhookAllowedHosts: [], requireHttps: false };
const markdown =
  '### <font color="warning">【反诈预警】</font>基准预警 send ceiling\n' +
  '> 近期辖区多发冒充电商客服“退款理赔”诈骗，请群成员提高警惕。\n' +
  '> 发布单位：基准市公安局网安支队\n' +
  '> 发布时间：2026-11-30 21:05\n\n' +
  '[收到请点此确认](http://127.0.0.1/api/v1/deliveries/00000000-0000-0000-0000-000000000000/ack?t=0000000000000000000000000000000000000000)';

let next = 0;
let failed = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: IN_FLIGHT }, async () => {
    while (next < SENDS) {
      const i = next++;
      const outcome = await sendWecom(`${base}?key=ceiling-${i}`, markdown, 10_000, policy);
      if (outcome.kind !== 'sent') failed++;
    }
  }),
);
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
if (failed) {
  process.stderr.write(`send-ceiling: ${failed} sends failed\n`);
  process.exit(1);
}
process.stdout.write(
  `${JSON.stringify({
    sends: SENDS,
    inFlight: IN_FLIGHT,
    seconds: +seconds.toFixed(2),
    sendsPerSecond: Math.round(SENDS / seconds),
    cpuMsPerThousand: Math.round((cpu.user + cpu.system) / SENDS),
  })}\n`,
);
process.exit(0);
