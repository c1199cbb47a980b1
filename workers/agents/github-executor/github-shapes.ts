/**
 * The parts of github-mcp-server's JSON results the GitHub executor relies on (REST API
 * shapes). Loose objects: the server returns many more fields, which we ignore.
 */
import { z } from 'zod';

export const WorkflowRunSchema = z.looseObject({
  id: z.number(),
  name: z.string().nullish(),
  head_branch: z.string().nullish(),
  head_sha: z.string(),
  event: z.string(),
  status: z.string().nullish(),
  conclusion: z.string().nullish(),
  workflow_id: z.number().nullish(),
  path: z.string().nullish(),
  created_at: z.string(),
  html_url: z.string().nullish(),
  run_number: z.number().nullish(),
});
export type WorkflowRun = z.infer<typeof WorkflowRunSchema>;

export const WorkflowRunListSchema = z.looseObject({
  total_count: z.number(),
  workflow_runs: z.array(WorkflowRunSchema),
});

export const CommitSchema = z.looseObject({
  sha: z.string().min(7),
  commit: z.looseObject({ message: z.string() }).nullish(),
});
export const CommitListSchema = z.array(CommitSchema);

export const RunUsageSchema = z.looseObject({
  billable: z.record(z.string(), z.looseObject({ total_ms: z.number().nullish() })).nullish(),
  run_duration_ms: z.number().nullish(),
});

/** Workflow run conclusions that mean "the code is not good". */
export const BAD_CONCLUSIONS = ['failure', 'cancelled', 'timed_out', 'action_required', 'startup_failure', 'stale'];
