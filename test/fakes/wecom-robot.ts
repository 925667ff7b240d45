import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message a fake robot accepted. */
export interface RobotMessage {
  at: number;
  content: string;
}

export type RobotBehaviour =
  | { kind: 'ok' }
  /** 93000: the URL's key is not a robot (deleted, mistyped). */
  | { kind: 'invalid' }
  /** Answers this errcode for the next `times` requests, then behaves. */
  | { kind: 'errcode'; errcode: number; times: number };

/**
 * What a fake does before answering: an optional latency, and a hold (a robot that stops answering
 * for a while). A request whose client went away before its answer (its process killed) is dropped:
 * not recorded, as a message that never completed. One recorded is one the client saw answered.
 */
export class AnswerGate {
  latencyMs = 0;
  /** Requests waiting on the hold right now. */
  waiting = 0;
  /** Requests whose client went away before their answer (seen as it happens, even while held). */
  clientsGone = 0;
  /** Requests dropped because the client was gone when their answer was due. */
  dropped = 0;
  private held?: { promise: Promise<void>; release: () => void };

  hold(): void {
    if (this.held) return;
    let release: () => void = () => undefined;
    const promise = new Promise<void>((r) => (release = r));
    this.held = { promise, release };
  }

  release(): void {
    this.held?.release();
    this.held = undefined;
  }

  /** Waits out the latency and any hold; false when the client went away meanwhile. */
  async pass(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    // A killed client's kernel closes its end (FIN): the server sees 'end' on a socket it still
    // owes an answer, which no live HTTP client does.
    let gone = false;
    const onGone = () => {
      if (gone || res.writableEnded) return;
      gone = true;
      this.clientsGone++;
    };
    req.socket.once('end', onGone);
    req.socket.once('close', onGone);
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    while (this.held) {
      this.waiting++;
      await this.held.promise;
      this.waiting--;
    }
    req.socket.off('end', onGone);
    req.socket.off('close', onGone);
    if (gone || req.socket.destroyed) {
      this.dropped++;
      return false;
    }
    return true;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * A local HTTP server that behaves like WeCom group robots (企业微信群机器人): `POST
 * /cgi-bin/webhook/send?key=<key>` with `{"msgtype":"markdown","markdown":{"content":…}}`, answers
 * HTTP 200 with an `errcode` (0 ok; 45009 past `max` messages in any `windowMs` per key; 93000 for
 * a key set to invalid; 40058 for content over 4096 bytes). Keeps what each key accepted, and
 * every request it refused for the limit.
 */
export class FakeWecom {
  readonly accepted = new Map<string, RobotMessage[]>();
  readonly overLimit = new Map<string, number>();
  readonly gate = new AnswerGate();
  private readonly behaviour = new Map<string, RobotBehaviour>();
  private server?: Server;
  port = 0;

  constructor(
    private readonly max = 20,
    private readonly windowMs = 60_000,
  ) {}

  /** The WeCom API base this fake serves: the app's `alerts.wecomApiBase` in a test that uses it. */
  get base(): string {
    return `http://127.0.0.1:${this.port}/cgi-bin/webhook/send`;
  }

  url(key: string): string {
    return `${this.base}?key=${key}`;
  }

  set(key: string, b: RobotBehaviour): void {
    this.behaviour.set(key, b);
  }

  messages(key: string): RobotMessage[] {
    return this.accepted.get(key) ?? [];
  }

  /** The most messages one key accepted inside any window of `windowMs`. */
  maxInWindow(key: string, windowMs = this.windowMs): number {
    const times = this.messages(key).map((m) => m.at);
    let best = 0;
    for (let i = 0, j = 0; j < times.length; j++) {
      while (times[j] - times[i] >= windowMs) i++;
      best = Math.max(best, j - i + 1);
    }
    return best;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        if (!(await this.gate.pass(req, res))) return;
        const answer = (errcode: number, errmsg: string) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ errcode, errmsg }));
        };
        const url = new URL(req.url ?? '/', 'http://x');
        const key = url.searchParams.get('key') ?? '';
        if (req.method !== 'POST' || url.pathname !== '/cgi-bin/webhook/send' || !key)
          return answer(93000, 'invalid webhook url');
        const b = this.behaviour.get(key) ?? { kind: 'ok' };
        if (b.kind === 'invalid') return answer(93000, 'invalid webhook url, hint: [fake]');
        if (b.kind === 'errcode' && b.times > 0) {
          b.times--;
          return answer(b.errcode, 'fake error');
        }
        let parsed: { msgtype?: string; markdown?: { content?: unknown } };
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          return answer(40035, 'invalid json');
        }
        const content = parsed.markdown?.content;
        if (parsed.msgtype !== 'markdown' || typeof content !== 'string')
          return answer(40008, 'invalid message type');
        if (Buffer.byteLength(content, 'utf8') > 4096)
          return answer(40058, 'content exceed max length');
        const now = Date.now();
        const list = this.accepted.get(key) ?? [];
        if (list.filter((m) => m.at > now - this.windowMs).length >= this.max) {
          this.overLimit.set(key, (this.overLimit.get(key) ?? 0) + 1);
          return answer(45009, 'api freq out of limit');
        }
        list.push({ at: now, content });
        this.accepted.set(key, list);
        answer(0, 'ok');
      })();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}

/** A receiver of the signed webhook channel; refuses (401) a body whose signature does not check. */
export class FakeWebhookReceiver {
  readonly received = new Map<string, { delivery: string; body: Record<string, unknown> }[]>();
  rejected = 0;
  readonly gate = new AnswerGate();
  private server?: Server;
  port = 0;

  constructor(private readonly secrets: Map<string, string>) {}

  url(path: string): string {
    return `http://127.0.0.1:${this.port}/${path}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      void (async () => {
        const body = await readBody(req);
        if (!(await this.gate.pass(req, res))) return;
        const path = (req.url ?? '/').slice(1);
        const secret = this.secrets.get(path);
        const ts = String(req.headers['x-jingwang-timestamp'] ?? '');
        const sig = String(req.headers['x-jingwang-signature'] ?? '');
        const expected =
          'sha256=' +
          createHmac('sha256', secret ?? '')
            .update(`${ts}.${body}`)
            .digest('hex');
        const ok =
          !!secret &&
          sig.length === expected.length &&
          timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
        if (!ok) {
          this.rejected++;
          res.writeHead(401).end();
          return;
        }
        const list = this.received.get(path) ?? [];
        list.push({
          delivery: String(req.headers['x-jingwang-delivery'] ?? ''),
          body: JSON.parse(body) as Record<string, unknown>,
        });
        this.received.set(path, list);
        res.writeHead(204).end();
      })();
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
