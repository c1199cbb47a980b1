import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PRIORITY } from '../../common/envelope.ts';
import { HeyOpsError } from '../../common/errors.ts';
import { Bus } from './bus.ts';
import { createLogger } from './logger.ts';

const silent = createLogger({ level: 'silent' });

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Bus', () => {
  it('serves waiting requests by priority: kill switch, approvals, reads, then changes', async () => {
    const bus = new Bus({ maxQueued: 10, concurrency: 1, logger: silent });
    const order: string[] = [];
    const gate = deferred();
    bus.handle('work', async (envelope) => {
      if (envelope.payload === 'first') await gate.promise;
      order.push(String(envelope.payload));
      return envelope.payload;
    });
    const meta = { correlationId: 'c' };
    const all = [
      bus.request('work', 'first', { ...meta, priority: PRIORITY.change }),
      bus.request('work', 'deploy', { ...meta, priority: PRIORITY.change }),
      bus.request('work', 'status', { ...meta, priority: PRIORITY.read }),
      bus.request('work', 'approve', { ...meta, priority: PRIORITY.approval }),
      bus.request('work', 'kill', { ...meta, priority: PRIORITY.kill }),
    ];
    expect(bus.depth()).toEqual({ kill: 1, approval: 1, read: 1, change: 1 });
    gate.resolve();
    await Promise.all(all);
    expect(order).toEqual(['first', 'kill', 'approve', 'status', 'deploy']);
  });

  it('rejects at once with BUS_QUEUE_FULL when the queue is full, instead of growing', async () => {
    const bus = new Bus({ maxQueued: 2, concurrency: 1, logger: silent });
    const gate = deferred();
    bus.handle('slow', () => gate.promise);
    const running = bus.request('slow', null, { correlationId: 'c', priority: PRIORITY.read });
    const queued = [bus.request('slow', null, { correlationId: 'c', priority: PRIORITY.read }), bus.request('slow', null, { correlationId: 'c', priority: PRIORITY.read })];
    await expect(bus.request('slow', null, { correlationId: 'c', priority: PRIORITY.kill })).rejects.toMatchObject({ code: 'BUS_QUEUE_FULL' });
    gate.resolve();
    await Promise.all([running, ...queued]);
  });

  it('keeps the correlation id, links causation and continues the trace', async () => {
    const bus = new Bus({ maxQueued: 10, concurrency: 4, logger: silent });
    bus.handle('echo', async (envelope) => envelope);
    const parent = '00-0123456789abcdef0123456789abcdef-0123456789abcdef-01';
    const { envelope } = await bus.request('echo', { a: 1 }, { correlationId: 'corr-1', causationId: 'env-0', priority: PRIORITY.read, traceparent: parent });
    expect(envelope).toMatchObject({ correlationId: 'corr-1', causationId: 'env-0', type: 'echo', payload: { a: 1 } });
    expect(envelope.traceparent).toMatch(/^00-0123456789abcdef0123456789abcdef-[0-9a-f]{16}-01$/);
    expect(envelope.traceparent).not.toBe(parent);
  });

  it('passes handler failures back to the requester and keeps serving', async () => {
    const bus = new Bus({ maxQueued: 10, concurrency: 1, logger: silent });
    bus.handle('fail', async () => {
      throw new HeyOpsError('STEP_FAILED', 'nope');
    });
    bus.handle('ok', async () => 'fine');
    await expect(bus.request('fail', null, { correlationId: 'c', priority: PRIORITY.read })).rejects.toMatchObject({ code: 'STEP_FAILED' });
    await expect(bus.request('ok', null, { correlationId: 'c', priority: PRIORITY.read })).resolves.toMatchObject({ result: 'fine' });
  });

  it('publishes to subscribers of the type and of every type, and survives a failing listener', () => {
    const bus = new Bus({ maxQueued: 10, concurrency: 1, logger: silent });
    const seen: string[] = [];
    bus.subscribe('report', () => {
      throw new Error('listener bug');
    });
    bus.subscribe('report', (envelope) => seen.push(`report:${String(envelope.payload)}`));
    const off = bus.subscribe('*', (envelope) => seen.push(`any:${envelope.type}`));
    bus.publish('report', 'r1', { correlationId: 'c', priority: PRIORITY.read });
    off();
    bus.publish('report', 'r2', { correlationId: 'c', priority: PRIORITY.read });
    expect(seen).toEqual(['report:r1', 'any:report', 'report:r2']);
  });
});

describe('logger', () => {
  it('writes JSON lines with the correlation id and redacts secrets by key and by value', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const logger = createLogger({ destination, level: 'info' }).child({ correlationId: 'corr-9' });
    logger.info({ args: { token: 'hunter2', owner: 'acme' }, env: { GITHUB_PERSONAL_ACCESS_TOKEN: 'x' } }, 'calling with ghp_abcdefghijklmnopqrstuvwxyz0123456789');
    const line = JSON.parse(lines.join('')) as Record<string, unknown>;
    expect(line.correlationId).toBe('corr-9');
    expect(line.args).toEqual({ token: '[redacted]', owner: 'acme' });
    expect(line.env).toEqual({ GITHUB_PERSONAL_ACCESS_TOKEN: '[redacted]' });
    expect(line.msg).toBe('calling with [redacted]');
    expect(lines.join('')).not.toMatch(/hunter2|ghp_/);
  });
});
