/** Small formatting helpers shared by the planner, the reporter, the CLI and the renderer. */

/** 635000 → "10m 35s"; 300000 → "5m"; 30000 → "30s"; 1500 → "1.5s"; 40 → "40ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 10_000 && ms % 1000 !== 0) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')}s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts: string[] = [];
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0) parts.push(`${minutes}m`);
  if (seconds > 0 || parts.length === 0) parts.push(`${seconds}s`);
  return parts.join(' ');
}

/** 0.1534 → "$0.15"; amounts under a cent keep three decimals so they do not read as zero. */
export function formatUsd(amount: number): string {
  if (amount > 0 && amount < 0.01) return `$${amount.toFixed(3)}`;
  return `$${amount.toFixed(2)}`;
}

/** The first seven characters of a commit sha, as GitHub shows it. */
export function shortSha(sha: string): string {
  return sha.slice(0, 7);
}
