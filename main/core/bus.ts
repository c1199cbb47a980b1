/**
 * The in-process bus: typed envelopes between the core and the agents, served by priority.
 *
 * A request is queued under its priority (kill switch > approvals > reads > changes), handed to
 * the handler registered for its type when a dispatch slot is free, and answered with the
 * handler's result. The queue is bounded: past `maxQueued` a request is rejected at once with
 * BUS_QUEUE_FULL rather than growing without limit. Every envelope carries the correlation id
 * of the utterance it serves and the id of the envelope that caused it, and is logged.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { HeyOpsError } from '../../common/errors.ts';
import type { Envelope, PRIORITY, Priority } from '../../common/envelope.ts';
import type { Logger } from './logger.ts';

export type Handler = (envelope: Envelope) => Promise<unknown>;
export type Listener = (envelope: Envelope) => void;

export interface BusOptions {
  /** Requests waiting for a dispatch slot, all priorities together. */
  readonly maxQueued: number;
  /** Handlers running at once. */
  readonly concurrency: number;
  readonly logger: Logger;
}

export interface RequestMeta {
  readonly correlationId: string;
  readonly causationId?: string | null;
  readonly priority: Priority;
  readonly traceparent?: string | null;
}

interface Queued {
  readonly envelope: Envelope;
  readonly handler: Handler;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** A W3C traceparent for a new span in the trace of `parent` (or a new trace). */
export function childTraceparent(parent: string | null | undefined): string {
  const traceId = parent?.split('-')[1] ?? randomBytes(16).toString('hex');
  return `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
}

export class Bus {
  private readonly handlers = new Map<string, Handler>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly queues: Queued[][] = [[], [], [], []];
  private running = 0;
  private queued = 0;
  private readonly options: BusOptions;

  constructor(options: BusOptions) {
    this.options = options;
  }

  handle(type: string, handler: Handler): void {
    if (this.handlers.has(type)) throw new HeyOpsError('INTERNAL', `a handler for ${type} is already registered`);
    this.handlers.set(type, handler);
  }

  /** Listens to published envelopes of a type ('*' for all); returns the unsubscribe. */
  subscribe(type: string, listener: Listener): () => void {
    const set = this.listeners.get(type) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(type, set);
    return () => set.delete(listener);
  }

  envelope<T>(type: string, payload: T, meta: RequestMeta): Envelope<T> {
    return {
      id: randomUUID(),
      correlationId: meta.correlationId,
      causationId: meta.causationId ?? null,
      priority: meta.priority,
      traceparent: childTraceparent(meta.traceparent),
      type,
      payload,
      createdAt: new Date().toISOString(),
    };
  }

  /** Sends a request to the handler of `type`; resolves with its result and the envelope sent. */
  request<R>(type: string, payload: unknown, meta: RequestMeta): Promise<{ result: R; envelope: Envelope }> {
    const handler = this.handlers.get(type);
    if (!handler) return Promise.reject(new HeyOpsError('INTERNAL', `no handler for ${type}`));
    if (this.queued >= this.options.maxQueued) {
      return Promise.reject(new HeyOpsError('BUS_QUEUE_FULL', `Hey Ops is busy: ${this.queued} requests are already waiting. Try again in a moment.`, { queued: this.queued }));
    }
    const envelope = this.envelope(type, payload, meta);
    return new Promise<unknown>((resolve, reject) => {
      this.queues[envelope.priority]?.push({ envelope, handler, resolve, reject });
      this.queued += 1;
      this.pump();
    }).then((result) => ({ result: result as R, envelope }));
  }

  /** Tells every subscriber of `type` (and of '*'); never blocks, never throws. */
  publish<T>(type: string, payload: T, meta: RequestMeta): Envelope<T> {
    const envelope = this.envelope(type, payload, meta);
    this.options.logger.debug({ correlationId: envelope.correlationId, type, envelopeId: envelope.id, causationId: envelope.causationId }, 'bus publish');
    for (const listener of [...(this.listeners.get(type) ?? []), ...(this.listeners.get('*') ?? [])]) {
      try {
        listener(envelope);
      } catch (error) {
        this.options.logger.warn({ type, error: error instanceof Error ? error.message : String(error) }, 'bus listener failed');
      }
    }
    return envelope;
  }

  /** How many requests wait, per priority name. */
  depth(): Record<keyof typeof PRIORITY, number> {
    return { kill: this.queues[0]?.length ?? 0, approval: this.queues[1]?.length ?? 0, read: this.queues[2]?.length ?? 0, change: this.queues[3]?.length ?? 0 };
  }

  private next(): Queued | undefined {
    for (const queue of this.queues) {
      const item = queue.shift();
      if (item) return item;
    }
    return undefined;
  }

  private pump(): void {
    while (this.running < this.options.concurrency) {
      const item = this.next();
      if (!item) return;
      this.queued -= 1;
      this.running += 1;
      const { envelope } = item;
      const started = Date.now();
      this.options.logger.debug(
        { correlationId: envelope.correlationId, type: envelope.type, envelopeId: envelope.id, causationId: envelope.causationId, priority: envelope.priority },
        'bus dispatch',
      );
      item
        .handler(envelope)
        .then(item.resolve, item.reject)
        .finally(() => {
          this.running -= 1;
          this.options.logger.debug({ correlationId: envelope.correlationId, type: envelope.type, durationMs: Date.now() - started }, 'bus done');
          this.pump();
        });
    }
  }
}
