/**
 * Test helpers for anything that talks to the sandbox servers: a fresh state directory, a real
 * MCP client connected over stdio to a real server process, and small call/poll helpers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, LoggingMessageNotification } from '@modelcontextprotocol/sdk/types.js';
import { sandboxMcpServers } from './sandbox-servers.ts';

/** A new, empty state directory under the OS temp dir; remove it with `removeStateDir`. */
export function makeStateDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'hey-ops-sandbox-'));
}

export function removeStateDir(stateDir: string): void {
  rmSync(stateDir, { recursive: true, force: true });
}

export interface SandboxConnection {
  readonly client: Client;
  /** `notifications/message` the server sent, in order. */
  readonly logMessages: LoggingMessageNotification['params'][];
  /** What the server wrote to stderr so far. */
  readonly stderr: () => string;
  readonly close: () => Promise<void>;
}

/** Starts one sandbox server process exactly as the app does and connects a client to it. */
export async function connectSandbox(server: 'github' | 'gcp', stateDir: string, timeScale = 0.001): Promise<SandboxConnection> {
  const entry = sandboxMcpServers({ stateDir, timeScale })[server];
  const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: entry.env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'sandbox-test', version: '1.0.0' });
  const logMessages: LoggingMessageNotification['params'][] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
    logMessages.push(notification.params);
  });
  await client.connect(transport);
  return { client, logMessages, stderr: () => stderr, close: () => client.close() };
}

/** Calls a tool and returns its first text block and isError flag. */
export async function callText(
  client: Client,
  name: string,
  args: Record<string, unknown>,
  options: { signal?: AbortSignal } = {},
): Promise<{ text: string; isError: boolean; result: CallToolResult }> {
  const result = (await client.callTool({ name, arguments: args }, undefined, options)) as CallToolResult;
  const first = result.content[0];
  return { text: first?.type === 'text' ? first.text : '', isError: result.isError === true, result };
}

/** Calls a tool that answers JSON text and parses it (failing loudly on an error result). */
export async function callJson<T = unknown>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const { text, isError } = await callText(client, name, args);
  if (isError) throw new Error(`${name} failed: ${text}`);
  return JSON.parse(text) as T;
}

/** run_gcloud_command with these args. */
export function gcloud(client: Client, ...args: string[]): Promise<{ text: string; isError: boolean; result: CallToolResult }> {
  return callText(client, 'run_gcloud_command', { args });
}

/** Polls `probe` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`waitFor: nothing after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
