/**
 * Test double: a local OpenAI-compatible HTTP server (POST /v1/chat/completions on
 * 127.0.0.1:<free port>) that answers like the real API — `choices[0].message.content` is the
 * structured output as a JSON string, `finish_reason: 'stop'` — or fails as told.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How to answer one request. */
export type FakeReply =
  | { readonly kind: 'content'; readonly content: string }
  | { readonly kind: 'json'; readonly value: unknown }
  | { readonly kind: 'error'; readonly status: number; readonly message: string }
  | { readonly kind: 'hang' };

export interface FakeRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export interface FakeOpenAiServer {
  /** For the OpenAI client: `http://127.0.0.1:<port>/v1`. */
  readonly baseURL: string;
  readonly requests: FakeRequest[];
  /** Sets the answer for the following requests. */
  reply(next: FakeReply | ((request: FakeRequest) => FakeReply)): void;
  close(): Promise<void>;
}

export async function startFakeOpenAiServer(): Promise<FakeOpenAiServer> {
  const requests: FakeRequest[] = [];
  let answer: (request: FakeRequest) => FakeReply = () => ({ kind: 'error', status: 500, message: 'no reply configured' });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = parseJsonBody(Buffer.concat(chunks).toString('utf8'));
      const request: FakeRequest = { path: req.url ?? '', headers: req.headers, body };
      requests.push(request);
      if (req.method !== 'POST' || request.path !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
        return;
      }
      const reply = answer(request);
      if (reply.kind === 'hang') return;
      if (reply.kind === 'error') {
        res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: reply.message, type: 'server_error', code: null, param: null } }));
        return;
      }
      const content = reply.kind === 'json' ? JSON.stringify(reply.value) : reply.content;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: `chatcmpl-${requests.length}`,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: typeof body['model'] === 'string' ? body['model'] : 'fake',
          choices: [{ index: 0, message: { role: 'assistant', content, refusal: null, annotations: [] }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 100, completion_tokens: 40, total_tokens: 140 },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    reply(next) {
      answer = typeof next === 'function' ? next : () => next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseJsonBody(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}
