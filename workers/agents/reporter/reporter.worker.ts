/** Thin piscina adapter for the Reporter: parse the report input, build the report, return it. */
import { describeZodIssues, HeyOpsError } from '../../../common/errors.ts';
import { buildReport, ReportInputSchema } from './report.ts';
import { asWorkerResult, type WorkerResult } from '../worker-result.ts';

export default function reporterWorker(input: unknown): Promise<WorkerResult> {
  return asWorkerResult(() => {
    const parsed = ReportInputSchema.safeParse(input);
    if (!parsed.success) throw new HeyOpsError('INVALID_MESSAGE', `reporter input: ${describeZodIssues(parsed.error.issues)}`);
    return buildReport(parsed.data);
  });
}
