import { Injectable } from '@nestjs/common';
import { promises as dnsPromises, type LookupAddress } from 'node:dns';

/** Every address a host name resolves to. */
export type ResolveHost = (hostname: string) => Promise<LookupAddress[]>;

/** The system's resolver (getaddrinfo: /etc/hosts, then DNS), as the sender's connections use it. */
const systemResolver: ResolveHost = (hostname) => dnsPromises.lookup(hostname, { all: true });

/**
 * How a webhook's host name is resolved when the URL is registered (resolvesOnlyToPublic): the
 * system's resolver. A test answers in its place to play a DNS server that is slow or that names
 * a private address; what DNS answers is outside the system, so that is the seam.
 */
@Injectable()
export class HostResolver {
  private answer: ResolveHost = systemResolver;

  resolve(hostname: string): Promise<LookupAddress[]> {
    return this.answer(hostname);
  }

  /** Tests only: `fn` answers every lookup from now on; without it, the system's resolver again. */
  answerWith(fn?: ResolveHost): void {
    this.answer = fn ?? systemResolver;
  }
}
