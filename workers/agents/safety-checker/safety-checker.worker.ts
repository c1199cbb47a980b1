/** Thin piscina adapter: parse the input, run the pure check, return a plain verdict. */
import { checkSafety, SafetyCheckInputSchema } from './check-safety.ts';

export default function safetyCheckerWorker(input: unknown): unknown {
  return checkSafety(SafetyCheckInputSchema.parse(input));
}
