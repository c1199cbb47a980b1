import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { afterAll, describe, expect, it } from 'vitest';
import { OperationReportSchema } from '../../../common/messages.ts';

const pool = new Piscina({ filename: fileURLToPath(new URL('./reporter.worker.ts', import.meta.url)), maxThreads: 1 });
afterAll(() => pool.destroy());

const input = {
  operationId: 'op-worker',
  correlationId: 'corr-worker',
  kind: 'deploy',
  target: { service: 'api', environment: null },
  status: 'needs_input',
  dryRun: false,
  plan: null,
  verdict: null,
  approval: null,
  steps: [],
  error: null,
  question: 'Which environment should api go to: dev, staging or production?',
  startedAt: '2025-06-01T10:00:00.000Z',
  now: '2025-06-01T10:00:01.000Z',
};

describe('reporter.worker', () => {
  it('loads in a piscina thread under type stripping and returns a valid report', async () => {
    const answer = await pool.run(input);
    expect(answer.ok).toBe(true);
    const report = OperationReportSchema.parse(answer.value);
    expect(report.headline).toBe('Which environment should api go to: dev, staging or production?');
    expect(report.operationId).toBe('op-worker');
  });

  it('rejects input with an unknown field', async () => {
    expect(await pool.run({ ...input, extra: true })).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE', message: expect.stringMatching(/reporter input/) } });
  });
});
