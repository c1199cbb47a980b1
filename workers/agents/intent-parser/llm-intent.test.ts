import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_CATALOG } from '../../../common/config.ts';
import { HeyOpsError } from '../../../common/errors.ts';
import { EMPTY_CONTEXT, IntentSchema } from '../../../common/messages.ts';
import { startFakeOpenAiServer, type FakeOpenAiServer } from './fake-openai-server.ts';
import { intentFromLlm, LLM_CONFIDENCE_CAP, parseIntentWithLlm, type LlmEndpoint, type LlmIntent } from './llm-intent.ts';
import { ENVIRONMENT_QUESTION } from './parse-intent.ts';

const NOW = '2025-06-01T10:00:00.000Z';
const ctx = { catalog: SANDBOX_CATALOG, context: EMPTY_CONTEXT, now: NOW };
const API_KEY = 'sk-test-0123456789abcdef';

let server: FakeOpenAiServer;
let llm: LlmEndpoint;

beforeAll(async () => {
  server = await startFakeOpenAiServer();
  llm = { baseURL: server.baseURL, model: 'fake-model', apiKey: API_KEY, timeoutMs: 2_000 };
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

function answer(partial: Partial<LlmIntent>): LlmIntent {
  return { kind: 'deploy', service: null, environment: null, dryRun: false, ref: null, approvalId: null, confidence: 0.9, question: null, ...partial };
}

async function failure(promise: Promise<unknown>): Promise<HeyOpsError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(HeyOpsError);
  return error as HeyOpsError;
}

describe('parseIntentWithLlm against a local OpenAI-compatible server', () => {
  it('sends a strict structured-output request and returns a checked, capped intent', async () => {
    server.reply({ kind: 'json', value: answer({ kind: 'deploy', service: 'payments', environment: 'staging', confidence: 0.97 }) });
    const text = 'get the billing box onto stage';
    const intent = await parseIntentWithLlm(text, ctx, llm);

    expect(IntentSchema.parse(intent)).toEqual(intent);
    expect(intent).toMatchObject({ kind: 'deploy', service: 'payments', serviceSource: 'utterance', environment: 'staging', environmentSource: 'utterance', parser: 'llm', question: null });
    expect(intent.confidence).toBeLessThanOrEqual(LLM_CONFIDENCE_CAP);

    const [request] = server.requests;
    expect(request?.headers['authorization']).toBe(`Bearer ${API_KEY}`);
    expect(request?.body).toMatchObject({ model: 'fake-model', response_format: { type: 'json_schema', json_schema: { name: 'intent', strict: true } } });
    const messages = request?.body['messages'] as Array<{ role: string; content: string }>;
    expect(messages.at(-1)).toEqual({ role: 'user', content: JSON.stringify({ utterance: text }) });
    expect(messages[0]?.content).toContain('never default to production');
  });

  it('refuses a service the LLM invents: null and a question naming the known services', async () => {
    server.reply({ kind: 'json', value: answer({ kind: 'deploy', service: 'billing-v2', environment: 'staging' }) });
    const intent = await parseIntentWithLlm('get the new billing thing onto stage', ctx, llm);
    expect(intent).toMatchObject({ kind: 'deploy', service: null, environment: 'staging', question: 'I don\'t know a service called "billing-v2". Which service: api, web, payments, checkout or worker?' });
    expect(intent.confidence).toBeLessThanOrEqual(0.5);
  });

  it('refuses a catalog service the words do not name', async () => {
    server.reply({ kind: 'json', value: answer({ kind: 'rollback', service: 'checkout', environment: 'dev' }) });
    const intent = await parseIntentWithLlm('take the billing box back a step in dev', ctx, llm);
    expect(intent.service).not.toBe('checkout');
    expect(intent.notes.some((note) => note.includes('checkout, which the words do not name'))).toBe(true);
  });

  it('never accepts production from the LLM when the words do not say it', async () => {
    server.reply({ kind: 'json', value: answer({ kind: 'deploy', service: 'payments', environment: 'production', confidence: 1 }) });
    const intent = await parseIntentWithLlm('give payments a fresh build', ctx, llm);
    expect(intent).toMatchObject({ kind: 'deploy', service: 'payments', environment: null, environmentSource: null, question: ENVIRONMENT_QUESTION });
    expect(intent.confidence).toBeLessThanOrEqual(0.5);
    expect(intent.notes.some((note) => note.includes('production, which the words do not say'))).toBe(true);
  });

  it('throws LLM_FAILED on a 500 (after one retry), without the key in the message', async () => {
    server.reply({ kind: 'error', status: 500, message: 'upstream exploded' });
    const error = await failure(parseIntentWithLlm('give payments a fresh build', ctx, llm));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.message).toMatch(/HTTP 500/);
    expect(error.message).not.toContain(API_KEY);
    expect(server.requests).toHaveLength(2);
  });

  it('throws LLM_FAILED when the server does not answer in time', async () => {
    server.reply({ kind: 'hang' });
    const started = Date.now();
    const error = await failure(parseIntentWithLlm('give payments a fresh build', ctx, { ...llm, timeoutMs: 150 }));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.message).toContain('no answer within 150 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('throws LLM_FAILED on malformed JSON and on an answer that fails the schema', async () => {
    server.reply({ kind: 'content', content: '{"kind": "deploy", "service": ' });
    const malformed = await failure(parseIntentWithLlm('give payments a fresh build', ctx, llm));
    expect(malformed.code).toBe('LLM_FAILED');
    expect(malformed.message).toContain('not valid JSON');

    server.reply({ kind: 'json', value: { kind: 'explode', service: 'api' } });
    const mismatch = await failure(parseIntentWithLlm('give payments a fresh build', ctx, llm));
    expect(mismatch.code).toBe('LLM_FAILED');
    expect(mismatch.message).toContain('did not match the intent schema');
  });

  it('throws LLM_FAILED when nothing listens at the address', async () => {
    const error = await failure(parseIntentWithLlm('give payments a fresh build', ctx, { ...llm, baseURL: 'http://127.0.0.1:9/v1', timeoutMs: 500 }));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.message).toContain('could not connect');
  });

  it('throws CANCELLED when the caller aborts', async () => {
    server.reply({ kind: 'hang' });
    const error = await failure(parseIntentWithLlm('give payments a fresh build', ctx, llm, AbortSignal.timeout(50)));
    expect(error.code).toBe('CANCELLED');
  });
});

describe('intentFromLlm: checks an answer against the words', () => {
  it('keeps the grammar\'s refusal of a negated change', () => {
    const intent = intentFromLlm("don't deploy payments to prod", answer({ kind: 'deploy', service: 'payments', environment: 'production' }), ctx);
    expect(intent).toMatchObject({ kind: 'unknown', service: null, environment: null, parser: 'llm', question: 'Not deploying. What would you like to do?' });
  });

  it('accepts refs and approval ids only when they were said', () => {
    expect(intentFromLlm('bring v1.2.3 of web onto dev', answer({ service: 'web', environment: 'dev', ref: 'v1.2.3' }), ctx)).toMatchObject({ ref: 'v1.2.3', environment: 'dev' });
    expect(intentFromLlm('bring web onto dev', answer({ service: 'web', environment: 'dev', ref: 'v9.9.9' }), ctx).ref).toBeNull();
    expect(intentFromLlm('yes to 3f2a9c', answer({ kind: 'approve', approvalId: '3f2a9c' }), ctx)).toMatchObject({ kind: 'approve', approvalId: '3f2a9c' });
    expect(intentFromLlm('yes go on', answer({ kind: 'approve', approvalId: '3f2a9c' }), ctx)).toMatchObject({ kind: 'approve', approvalId: null, question: expect.stringContaining('Which approval?') });
  });

  it('caps confidence and keeps unknown at 0.3 or less', () => {
    expect(intentFromLlm('bring web onto dev', answer({ service: 'web', environment: 'dev', confidence: 1 }), ctx).confidence).toBeLessThanOrEqual(LLM_CONFIDENCE_CAP);
    expect(intentFromLlm('blah', answer({ kind: 'unknown', confidence: 1 }), ctx).confidence).toBeLessThanOrEqual(0.3);
  });
});
