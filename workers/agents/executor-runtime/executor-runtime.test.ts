import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { HeyOpsError } from '../../../common/errors.ts';
import { ToolPortRequestSchema, type ToolPortReply } from '../../../common/tool-port.ts';
import { connectToolPort } from './port-tool-caller.ts';
import { abortableSleep } from './step-context.ts';
import { looksLikeFailureText, parseJsonResult, splitGcloudText } from './tool-results.ts';
import { z } from 'zod';

describe('splitGcloudText', () => {
  it('reads stdout alone as success', () => {
    expect(splitGcloudText('[{"a":1}]')).toEqual({ stdout: '[{"a":1}]', stderr: '', failed: false });
  });
  it('separates the STDERR block and treats ERROR lines as failure, though isError is never set', () => {
    const text = 'STDERR:\nERROR: (gcloud.run.services.describe) Cannot find service [nope]\n';
    expect(splitGcloudText(text)).toMatchObject({ stdout: '', failed: true, stderr: 'ERROR: (gcloud.run.services.describe) Cannot find service [nope]' });
  });
  it('keeps progress on stderr from failing a successful command', () => {
    const text = 'Service [api] revision [api-00003-abc] has been deployed.\nSTDERR:\nDeploying container to Cloud Run service [api]\nDone.';
    expect(splitGcloudText(text).failed).toBe(false);
  });
});

describe('parseJsonResult', () => {
  const schema = z.object({ id: z.number() });
  it('parses JSON text with the schema', () => {
    expect(parseJsonResult('actions_get', { text: '{"id":7,"extra":true}', isError: false, structuredContent: null }, schema)).toEqual({ id: 7 });
  });
  it('turns isError, non-JSON and wrong shapes into clear errors', () => {
    expect(() => parseJsonResult('actions_get', { text: 'failed to get workflow run: 404 Not Found', isError: true, structuredContent: null }, schema)).toThrow(/actions_get failed: failed to get workflow run: 404 Not Found/);
    expect(() => parseJsonResult('actions_get', { text: 'oops', isError: false, structuredContent: null }, schema)).toThrow(/not JSON/);
    expect(() => parseJsonResult('actions_get', { text: '{"id":"7"}', isError: false, structuredContent: null }, schema)).toThrow(/unexpected result: id:/);
  });
  it('recognises cloud-run-mcp prose failures', () => {
    expect(looksLikeFailureText('Error deploying service api: permission denied')).toBe(true);
    expect(looksLikeFailureText('Cloud Run service api deployed in project acme-dev')).toBe(false);
  });
});

describe('the tool port', () => {
  it('carries calls to the main side and results back, and aborts everything on an abort message', async () => {
    const { port1, port2 } = new MessageChannel();
    const connection = connectToolPort(port2);
    port1.on('message', (raw: unknown) => {
      const request = ToolPortRequestSchema.parse(raw);
      if (request.type !== 'call') return;
      if (request.tool === 'hang') return; // never answers
      const reply: ToolPortReply = {
        type: 'result',
        callId: request.callId,
        output: { text: JSON.stringify(request.args), isError: false, structuredContent: null },
        record: { server: 's', tool: request.tool, args: request.args, startedAt: new Date().toISOString(), durationMs: 1, outcome: 'ok', summary: 'ok' },
      };
      port1.postMessage(reply);
    });
    const output = await connection.tools.callTool('echo', { a: 1 });
    expect(output.text).toBe('{"a":1}');
    expect(connection.tools.records.map((r) => r.tool)).toEqual(['echo']);

    const hanging = connection.tools.callTool('hang', {});
    port1.postMessage({ type: 'abort', reason: new HeyOpsError('KILL_SWITCH_ENGAGED', 'stopped').toData() } satisfies ToolPortReply);
    await expect(hanging).rejects.toMatchObject({ code: 'KILL_SWITCH_ENGAGED' });
    expect(connection.signal.aborted).toBe(true);
    await expect(connection.tools.callTool('echo', {})).rejects.toMatchObject({ code: 'KILL_SWITCH_ENGAGED' });
    await expect(abortableSleep(10_000, connection.signal)).rejects.toMatchObject({ code: 'KILL_SWITCH_ENGAGED' });
    connection.close();
    port1.close();
  });
});
