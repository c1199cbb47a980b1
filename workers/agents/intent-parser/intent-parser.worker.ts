/**
 * Thin piscina adapter for the Intent Parser: parse `{ text, catalog, context, now, llm }`,
 * run the grammar, and ask the LLM only when the grammar found no command at all (not when
 * it understood and declined: negated, compound, conflicting). An LLM failure is not the
 * command's failure: the grammar's `unknown` intent comes back with a note.
 *
 * Like every agent worker it answers a WorkerResult (`{ ok, value }` or `{ ok: false, error }`)
 * because that is what the core's AgentPool parses; the value is a plain Intent, and only
 * invalid input is an error.
 */
import { describeZodIssues, HeyOpsError } from '../../../common/errors.ts';
import { IntentSchema, type Intent } from '../../../common/messages.ts';
import { asWorkerResult, type WorkerResult } from '../worker-result.ts';
import { IntentParserInputSchema } from './intent-parser-input.ts';
import { parseIntentWithLlm } from './llm-intent.ts';
import { mayAskLlm, parseIntent } from './parse-intent.ts';

export async function runIntentParser(input: unknown): Promise<Intent> {
  const parsed = IntentParserInputSchema.safeParse(input);
  if (!parsed.success) throw new HeyOpsError('INVALID_MESSAGE', `intent-parser input: ${describeZodIssues(parsed.error.issues)}`);
  const { text, catalog, context, now, llm } = parsed.data;
  const ctx = { catalog, context, now };
  const grammar = parseIntent(text, ctx);
  if (llm === null || !mayAskLlm(grammar)) return IntentSchema.parse(grammar);
  try {
    return IntentSchema.parse(await parseIntentWithLlm(text, ctx, llm));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return IntentSchema.parse({ ...grammar, notes: [...grammar.notes, `llm failed: ${message}`] });
  }
}

export default function intentParserWorker(input: unknown): Promise<WorkerResult> {
  return asWorkerResult(() => runIntentParser(input));
}
