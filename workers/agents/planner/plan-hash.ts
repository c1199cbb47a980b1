/**
 * The plan hash: the identity an approval binds to. Two plans hash equal exactly when they
 * would do the same thing — same kind, same target, same dry-run flag and the same parameters
 * in every step (commit sha, image URL, revision, canary settings). Titles, estimates, ids and
 * times are left out: they describe a plan, they do not change what it does.
 */
import { createHash } from 'node:crypto';
import type { Plan } from '../../../common/messages.ts';

/**
 * JSON with object keys sorted at every depth and no whitespace, so equal values always give
 * equal text whatever order their keys were built in. Follows JSON.stringify otherwise:
 * `undefined` properties are left out, `undefined` in arrays and non-finite numbers become
 * null, `toJSON` (Date) is honoured.
 */
export function canonicalJson(value: unknown): string {
  const text = encode(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON form');
  return text;
}

function encode(value: unknown): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return encode((value as { toJSON: () => unknown }).toJSON());
  }
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      throw new TypeError('canonicalJson: a bigint has no JSON form');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => encode(item) ?? 'null').join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const member = encode(record[key]);
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${member}`);
  }
  return `{${members.join(',')}}`;
}

/**
 * sha256 (hex) of the canonical JSON of `{kind, target, dryRun, steps: [params...]}`.
 *
 * The real `dryRun` value is hashed: a dry run and the real run of the same command are
 * different plans, so an approval given for one can never be spent on the other.
 */
export function hashPlan(plan: Pick<Plan, 'kind' | 'target' | 'dryRun' | 'steps'>): string {
  const material = {
    kind: plan.kind,
    target: plan.target,
    dryRun: plan.dryRun,
    steps: plan.steps.map((step) => step.params),
  };
  return createHash('sha256').update(canonicalJson(material)).digest('hex');
}
