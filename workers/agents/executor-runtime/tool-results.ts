/**
 * Reading MCP tool results. Servers answer in text; the GitHub server sets `isError` on API
 * failures, but cloud-run-mcp and gcloud-mcp never do — their failures arrive as ordinary text
 * (gcloud's `ERROR: (gcloud.…)` lines, usually after a `STDERR:` marker). Every result an
 * executor relies on is parsed with zod; a malformed result is a clear MCP_RESULT_INVALID.
 */
import type { z } from 'zod';
import { HeyOpsError, describeZodIssues } from '../../../common/errors.ts';
import type { ToolCallOutput } from '../../../common/tool-port.ts';
import type { StepContext } from './step-context.ts';

function firstLine(text: string, max = 300): string {
  const line = text.trim().split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

/** Parses a JSON text result with a schema; isError results and bad JSON are clear failures. */
export function parseJsonResult<S extends z.ZodType>(tool: string, output: ToolCallOutput, schema: S): z.infer<S> {
  if (output.isError) throw new HeyOpsError('MCP_TOOL_FAILED', `${tool} failed: ${firstLine(output.text)}`, { tool });
  let json: unknown;
  try {
    json = output.structuredContent ?? JSON.parse(output.text);
  } catch {
    throw new HeyOpsError('MCP_RESULT_INVALID', `${tool} returned text that is not JSON: ${firstLine(output.text, 120)}`, { tool });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new HeyOpsError('MCP_RESULT_INVALID', `${tool} returned an unexpected result: ${describeZodIssues(parsed.error.issues)}`, { tool });
  }
  return parsed.data as z.infer<S>;
}

export interface GcloudOutput {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Splits gcloud-mcp's text into stdout and stderr and decides whether the command failed.
 * gcloud-mcp returns stdout, then (when gcloud wrote any) a "STDERR:" block, and never sets
 * isError; gcloud itself marks failures with lines starting "ERROR:".
 */
export function splitGcloudText(text: string): GcloudOutput & { failed: boolean } {
  const marker = text.search(/(^|\n)STDERR:\s*\n?/);
  const stdout = marker === -1 ? text : text.slice(0, marker);
  const stderr = marker === -1 ? '' : text.slice(marker).replace(/^\n?STDERR:\s*\n?/, '');
  const failed = /(^|\n)ERROR:/.test(stderr) || /^ERROR:/.test(stdout.trimStart()) || /exited with code [1-9]/i.test(text);
  return { stdout: stdout.trim(), stderr: stderr.trim(), failed };
}

/** Runs one gcloud command through gcloud-mcp's `run_gcloud_command`; failures throw. */
export async function runGcloud(ctx: StepContext, args: readonly string[], timeoutMs?: number): Promise<GcloudOutput> {
  const output = await ctx.tools.callTool('run_gcloud_command', { args: [...args] }, timeoutMs === undefined ? undefined : { timeoutMs });
  const split = splitGcloudText(output.text);
  if (output.isError || split.failed) {
    const errorLine = (split.stderr + '\n' + split.stdout).split('\n').find((line) => line.startsWith('ERROR:')) ?? firstLine(output.text);
    throw new HeyOpsError('MCP_TOOL_FAILED', `gcloud ${args.slice(0, 3).join(' ')} failed: ${errorLine.replace(/^ERROR:\s*/, '')}`, { tool: 'run_gcloud_command' });
  }
  return { stdout: split.stdout, stderr: split.stderr };
}

/** Runs a gcloud command with --format=json and parses stdout with a schema. */
export async function runGcloudJson<S extends z.ZodType>(ctx: StepContext, args: readonly string[], schema: S): Promise<z.infer<S>> {
  const { stdout } = await runGcloud(ctx, [...args, '--format=json']);
  return parseJsonResult(`gcloud ${args.slice(0, 3).join(' ')}`, { text: stdout === '' ? '[]' : stdout, isError: false, structuredContent: null }, schema);
}

/**
 * cloud-run-mcp answers in prose and never sets isError; its failures read like errors. This
 * only decides what to report: success is always verified by reading the service afterwards.
 */
export function looksLikeFailureText(text: string): boolean {
  return /\b(error|failed|failure|denied|not found|invalid|unable|could not|cannot)\b/i.test(text);
}
