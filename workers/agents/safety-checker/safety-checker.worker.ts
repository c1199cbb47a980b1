/** Thin piscina adapter: parse the input, run the pure check, return a plain verdict. */
import { checkSafety, SafetyCheckInputSchema } from './check-safety.ts';
import { asWorkerResult, type WorkerResult } from '../worker-result.ts';

export default function safetyCheckerWorker(input: unknown): Promise<WorkerResult> {
  return asWorkerResult(() => {
    return checkSafety(SafetyCheckInputSchema.parse(input));
  });
}
