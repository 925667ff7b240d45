// An unthrottled fake WeCom group robot for the alerts benchmark: `POST /cgi-bin/webhook/send?key=…`
// answers `{"errcode":0}` at once and counts what each key received. `GET /health` says it is up,
// `GET /stats` gives the counts (total, distinct keys, keys that got more than one message, first
// and last arrival in ms since the epoch), `POST /reset` clears them. PORT from the environment.
import { createServer } from 'node:http';

const perKey = new Map();
let total = 0;
let first = null;
let last = null;

function reset() {
  perKey.clear();
  total = 0;
  first = null;
  last = null;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://robot');
  const json = (status, body) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && url.pathname === '/health') return json(200, { ok: true });
  if (req.method === 'GET' && url.pathname === '/stats') {
    let repeated = 0;
    for (const n of perKey.values()) if (n > 1) repeated++;
    return json(200, { total, keys: perKey.size, repeated, first, last });
  }
  if (req.method === 'POST' && url.pathname === '/reset') {
    reset();
    return json(200, { ok: true });
  }
  const key = url.searchParams.get('key');
  if (req.method !== 'POST' || url.pathname !== '/cgi-bin/webhook/send' || !key) {
    return json(200, { errcode: 93000, errmsg: 'invalid webhook url' });
  }
  // Read (and drop) the body before answering, as a real robot would.
  req.resume();
  req.on('end', () => {
    const now = Date.now();
    first ??= now;
    last = now;
    total++;
    perKey.set(key, (perKey.get(key) ?? 0) + 1);
    json(200, { errcode: 0, errmsg: 'ok' });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
