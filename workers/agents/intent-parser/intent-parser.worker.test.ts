import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SANDBOX_CATALOG } from '../../../common/config.ts';
import { EMPTY_CONTEXT, IntentSchema } from '../../../common/messages.ts';
import { startFakeOpenAiServer, type FakeOpenAiServer } from './fake-openai-server.ts';
import intentParserWorker, { runIntentParser } from './intent-parser.worker.ts';

const pool = new Piscina({ filename: fileURLToPath(new URL('./intent-parser.worker.ts', import.meta.url)), maxThreads: 1 });
let server: FakeOpenAiServer;

beforeAll(async () => {
  server = await startFakeOpenAiServer();
});
afterAll(async () => {
  await pool.destroy();
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

const NOW = '2025-06-01T10:00:00.000Z';

function input(text: string, llm: Record<string, unknown> | null = null): Record<string, unknown> {
  return { text, catalog: SANDBOX_CATALOG, context: EMPTY_CONTEXT, now: NOW, llm };
}

function llmConfig(): Record<string, unknown> {
  // The core spreads its LlmConfig (with apiKeyEnv) and adds the key.
  return { baseURL: server.baseURL, model: 'fake-model', apiKeyEnv: 'OPENAI_API_KEY', timeoutMs: 2_000, apiKey: 'sk-worker-test-key' };
}

const llmAnswer = { kind: 'status', service: 'payments', environment: null, dryRun: false, ref: null, approvalId: null, confidence: 0.9, question: null };

describe('intent-parser.worker', () => {
  it('loads in a piscina thread under type stripping and returns a valid intent', async () => {
    const answer = await pool.run(input('Hey Ops, deploy api to staging'));
    expect(answer.ok).toBe(true);
    const intent = IntentSchema.parse(answer.value);
    expect(intent).toMatchObject({ kind: 'deploy', service: 'api', environment: 'staging', parser: 'grammar', normalizedText: 'deploy api to staging' });
  });

  it('asks the LLM from inside the thread when the grammar finds no command', async () => {
    server.reply({ kind: 'json', value: llmAnswer });
    const answer = await pool.run(input('give me the lowdown on payments', llmConfig()));
    expect(answer.ok).toBe(true);
    expect(IntentSchema.parse(answer.value)).toMatchObject({ kind: 'status', service: 'payments', parser: 'llm' });
    expect(server.requests).toHaveLength(1);
  });

  it('rejects input that fails the schema, naming the field', async () => {
    const refused = await pool.run({ ...input('deploy api to staging'), now: 'yesterday' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE', message: expect.stringMatching(/^intent-parser input: now/) } });
    const extra = await intentParserWorker({ ...input('deploy api'), extra: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
  });
});

describe('runIntentParser: when the LLM is asked', () => {
  it('does not ask the LLM when the grammar understood', async () => {
    const intent = await runIntentParser(input('deploy api to staging', llmConfig()));
    expect(intent.parser).toBe('grammar');
    expect(server.requests).toHaveLength(0);
  });

  it('does not ask the LLM about a negated or compound command', async () => {
    for (const text of ["don't deploy to production", 'deploy api to staging and payments to production']) {
      const intent = await runIntentParser(input(text, llmConfig()));
      expect(intent, text).toMatchObject({ kind: 'unknown', parser: 'grammar' });
    }
    expect(server.requests).toHaveLength(0);
  });

  it('does not ask when no LLM is configured', async () => {
    const intent = await runIntentParser(input('give me the lowdown on payments'));
    expect(intent).toMatchObject({ kind: 'unknown', parser: 'grammar' });
    expect(server.requests).toHaveLength(0);
  });

  it('falls back to the grammar\'s unknown intent with a note when the LLM fails', async () => {
    server.reply({ kind: 'error', status: 503, message: 'overloaded' });
    const intent = await runIntentParser(input('give me the lowdown on payments', llmConfig()));
    expect(intent).toMatchObject({ kind: 'unknown', parser: 'grammar' });
    const note = intent.notes.find((entry) => entry.startsWith('llm failed: '));
    expect(note).toMatch(/HTTP 503/);
    expect(note).not.toContain('sk-worker-test-key');
  });
});
