import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Actor } from '../../common/auth/actor.js';
import { inScope } from '../../common/auth/scope.js';
import { APP_CONFIG, AppConfig } from '../../common/config/config.js';
import { AuditService } from '../../common/audit/audit.service.js';
import { badRequest, conflict } from '../../common/http/errors.js';
import { maskPhone } from '../../common/pii/mask.js';
import { AlertsLookups } from '../lookups.repository.js';
import { AlertsSecrets } from '../alerts-secrets.js';
import {
  Channel,
  maskWebhookUrl,
  resolvesOnlyToPublic,
  robotKeyHash,
} from '../deliveries/channels.js';
import { HostResolver } from '../deliveries/host-resolver.js';
import {
  CoordinatorDto,
  CoordinatorPage,
  CreateCoordinatorDto,
  ListCoordinatorsQuery,
  UpdateCoordinatorDto,
} from './dto/coordinator.dto.js';
import type { Coordinator } from './entities/coordinator.entity.js';
import { CoordinatorChanges, CoordinatorsRepository } from './coordinators.repository.js';
import {
  checkWebhookUrl,
  checkWecomUrl,
  isRefusal,
  OutboundPolicy,
  outboundPolicy,
} from '../deliveries/url-policy.js';

/** How a coordinator's channel is stored (secrets encrypted). */
type ChannelColumns = Pick<
  Coordinator,
  'webhookUrlEnc' | 'webhookUrlMasked' | 'robotKeyHash' | 'webhookSecretEnc'
>;

/** The columns an update's new channel settings are worked out from (see update). */
const CHANNEL_FIELDS = [
  'channel',
  'webhookUrlEnc',
  'webhookUrlMasked',
  'robotKeyHash',
  'webhookSecretEnc',
] as const satisfies readonly (keyof Coordinator)[];

/** 群协调员: community police keep the coordinators of their own area and their channels. */
@Injectable()
export class CoordinatorsService {
  private readonly policy: OutboundPolicy;

  constructor(
    private readonly repo: CoordinatorsRepository,
    private readonly lookups: AlertsLookups,
    private readonly secrets: AlertsSecrets,
    private readonly audit: AuditService,
    private readonly hosts: HostResolver,
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.policy = outboundPolicy(config);
  }

  toDto(c: Coordinator, revealPhone = true): CoordinatorDto {
    return {
      id: c.id,
      name: c.name,
      phone: revealPhone ? c.phone : maskPhone(c.phone),
      communityId: c.communityId,
      groupName: c.groupName,
      groupSize: c.groupSize,
      channel: c.channel,
      webhookUrl: c.webhookUrlMasked,
      hasSecret: c.webhookSecretEnc !== null,
      enabled: c.enabled,
      channelBrokenAt: c.channelBrokenAt?.toISOString() ?? null,
      channelBrokenReason: c.channelBrokenReason,
      createdAt: c.createdAt.toISOString(),
    };
  }

  /**
   * A channel's URL, checked by the rules the sender applies again at each send (url-policy.ts); a
   * webhook's host name must also resolve to public addresses only, now. Returns the robot key.
   */
  private async checkUrl(channel: 'wecom_bot' | 'webhook', url: string): Promise<string | null> {
    if (channel === 'wecom_bot') {
      const robot = checkWecomUrl(url, this.policy.wecomApiBase);
      if (isRefusal(robot)) throw badRequest('webhookUrl', robot.problem);
      return robot.key;
    }
    const checked = checkWebhookUrl(url, this.policy);
    if (isRefusal(checked)) throw badRequest('webhookUrl', checked.problem);
    if (!checked.allowListed && !checked.ipLiteral) {
      if (!(await resolvesOnlyToPublic(checked.url.hostname, (h) => this.hosts.resolve(h))))
        throw badRequest(
          'webhookUrl',
          'has a host that resolves to an address that is not allowed',
        );
    }
    return null;
  }

  /** Checks the channel's settings and returns the columns that store them (secrets encrypted). */
  private async channelColumns(
    channel: Channel,
    url: string | undefined,
    secret: string | undefined,
    existing?: Coordinator,
  ): Promise<ChannelColumns> {
    if (channel === 'manual') {
      if (url) throw badRequest('webhookUrl', 'must be empty for the manual channel');
      return {
        webhookUrlEnc: null,
        webhookUrlMasked: null,
        robotKeyHash: null,
        webhookSecretEnc: null,
      };
    }
    const sameChannel = existing?.channel === channel;
    if (!url && !(sameChannel && existing?.webhookUrlEnc))
      throw badRequest('webhookUrl', `is required for the ${channel} channel`);
    let cols: ChannelColumns = {
      webhookUrlEnc: existing?.webhookUrlEnc ?? null,
      webhookUrlMasked: existing?.webhookUrlMasked ?? null,
      robotKeyHash: existing?.robotKeyHash ?? null,
      webhookSecretEnc: existing?.webhookSecretEnc ?? null,
    };
    if (url) {
      const key = await this.checkUrl(channel, url);
      if (key !== null) cols = { ...cols, robotKeyHash: robotKeyHash(key) };
      cols = {
        ...cols,
        webhookUrlEnc: this.secrets.cipher.encrypt(url),
        webhookUrlMasked: maskWebhookUrl(url, channel),
      };
    }
    if (channel === 'wecom_bot') {
      if (secret) throw badRequest('webhookSecret', 'is only for the webhook channel');
      cols.webhookSecretEnc = null;
    } else {
      cols.robotKeyHash = null;
      if (secret) cols.webhookSecretEnc = this.secrets.cipher.encrypt(secret);
      else if (!sameChannel || !cols.webhookSecretEnc)
        throw badRequest('webhookSecret', 'is required for the webhook channel');
    }
    return cols;
  }

  private async checkCommunity(actor: Actor, communityId: string): Promise<void> {
    const unit = await this.lookups.unitOf(communityId);
    if (!unit || unit.kind !== 'community')
      throw badRequest('communityId', 'does not name a community (社区) unit');
    if (!inScope(actor, unit.path)) throw badRequest('communityId', 'is outside your area');
  }

  async create(actor: Actor, dto: CreateCoordinatorDto): Promise<CoordinatorDto> {
    await this.checkCommunity(actor, dto.communityId);
    const cols = await this.channelColumns(dto.channel, dto.webhookUrl, dto.webhookSecret);
    const id = await this.ds.transaction(async (em) => {
      const newId = await this.repo.insertCoordinator(em, {
        name: dto.name,
        phone: dto.phone,
        communityId: dto.communityId,
        groupName: dto.groupName,
        groupSize: dto.groupSize ?? 0,
        channel: dto.channel,
        ...cols,
        createdBy: actor.kind === 'user' ? actor.id : null,
      });
      if (!newId)
        throw conflict('This community already has a coordinator for a group of that name');
      await this.audit.record(em, {
        action: 'coordinator.create',
        entity: 'coordinator',
        entityId: newId,
        details: { communityId: dto.communityId, channel: dto.channel },
      });
      return newId;
    });
    return this.get(actor, id);
  }

  async get(actor: Actor, id: string): Promise<CoordinatorDto> {
    const c = await this.repo.findCoordinatorScoped(actor, id);
    if (!c) throw new NotFoundException('Coordinator not found');
    return this.toDto(c, actor.role !== 'admin');
  }

  async list(actor: Actor, q: ListCoordinatorsQuery): Promise<CoordinatorPage> {
    const page = await this.repo.listCoordinators(actor, q);
    return {
      items: page.items.map((c) => this.toDto(c, actor.role !== 'admin')),
      nextCursor: page.nextCursor,
    };
  }

  async update(actor: Actor, id: string, dto: UpdateCoordinatorDto): Promise<CoordinatorDto> {
    const channelChanged =
      dto.channel !== undefined || dto.webhookUrl !== undefined || dto.webhookSecret !== undefined;
    // New channel settings are checked before the transaction, against the row read without a
    // lock: the check may wait seconds on DNS, and a transaction waiting on it would hold a pooled
    // connection and the row's lock all that time (a few such requests at once would leave every
    // other request without a connection).
    let channelSet: { seen: Coordinator; set: CoordinatorChanges } | undefined;
    if (channelChanged) {
      const seen = await this.repo.findCoordinatorScoped(actor, id);
      if (!seen) throw new NotFoundException('Coordinator not found');
      const channel = dto.channel ?? seen.channel;
      const cols = await this.channelColumns(channel, dto.webhookUrl, dto.webhookSecret, seen);
      channelSet = {
        seen,
        set: {
          ...cols,
          channel,
          // New settings: the channel is given another chance.
          channelBrokenAt: null,
          channelBrokenReason: null,
        },
      };
    }
    await this.ds.transaction(async (em) => {
      const c = await this.repo.findCoordinatorScoped(actor, id, em, true);
      if (!c) throw new NotFoundException('Coordinator not found');
      // The channel columns above were worked out from the row as read before: which channel the
      // URL was checked for, and which stored URL or secret a request leaving them out keeps. If
      // another update changed them meanwhile, writing ours would undo its change (or store a URL
      // checked under another channel's rules), and checking again would mean waiting on DNS
      // under this lock. So the caller is told to read the coordinator again: it takes two
      // people changing the same coordinator's channel at the same moment.
      if (channelSet && CHANNEL_FIELDS.some((k) => channelSet.seen[k] !== c[k]))
        throw conflict(
          'The coordinator’s channel was changed by another update meanwhile; read it again and retry',
        );
      const set: CoordinatorChanges = {};
      if (dto.name !== undefined) set.name = dto.name;
      if (dto.phone !== undefined) set.phone = dto.phone;
      if (dto.groupName !== undefined) set.groupName = dto.groupName;
      if (dto.groupSize !== undefined) set.groupSize = dto.groupSize;
      if (dto.enabled !== undefined) set.enabled = dto.enabled;
      if (channelSet) Object.assign(set, channelSet.set);
      await this.repo.updateCoordinator(em, id, set);
      await this.audit.record(em, {
        action: 'coordinator.update',
        entity: 'coordinator',
        entityId: id,
        details: {
          fields: Object.keys(dto).filter((k) => k !== 'webhookSecret' && k !== 'webhookUrl'),
          channelChanged,
        },
      });
    });
    return this.get(actor, id);
  }
}
