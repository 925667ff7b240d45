import { Logger } from '@nestjs/common';
import { Client } from 'pg';

export interface PgListenerOptions {
  url: string;
  channel: string;
  onNotify: (payload: string) => void;
  /** Called with true once LISTEN is active, false when the connection is lost. */
  onState?: (listening: boolean) => void;
  logger: Logger;
}

/**
 * A LISTEN connection that reconnects: if it drops, `onState(false)` tells the owner to fall back
 * (poll, bypass a cache) and LISTEN is retried every 2 s until `stop()`.
 */
export class PgListener {
  private client?: Client;
  private stopped = false;

  constructor(private readonly options: PgListenerOptions) {}

  get listening(): boolean {
    return this.client !== undefined;
  }

  async start(): Promise<void> {
    if (this.stopped) return;
    const { url, channel, onNotify, onState, logger } = this.options;
    const client = new Client({ connectionString: url });
    const retry = () => {
      if (this.client === client) {
        this.client = undefined;
        onState?.(false);
      }
      client.end().catch(() => undefined);
      if (!this.stopped) setTimeout(() => void this.start(), 2000).unref();
    };
    client.on('error', retry);
    client.on('end', () => {
      if (this.client === client) {
        this.client = undefined;
        onState?.(false);
      }
    });
    client.on('notification', (n) => onNotify(n.payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
      this.client = client;
      onState?.(true);
    } catch (err) {
      logger.warn({ err: (err as Error).message, channel }, 'LISTEN failed; retrying');
      retry();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
