import { describe, expect, it } from 'vitest';
import { formatDuration, formatUsd, shortSha } from './format.ts';

describe('formatDuration', () => {
  it('writes minutes and seconds the way the dry-run plan shows them', () => {
    expect(formatDuration(635_000)).toBe('10m 35s');
    expect(formatDuration(300_000)).toBe('5m');
    expect(formatDuration(30_000)).toBe('30s');
    expect(formatDuration(5_000)).toBe('5s');
    expect(formatDuration(1_500)).toBe('1.5s');
    expect(formatDuration(40)).toBe('40ms');
    expect(formatDuration(3_723_000)).toBe('1h 2m 3s');
  });
  it('refuses nonsense instead of printing NaN', () => {
    expect(formatDuration(Number.NaN)).toBe('?');
    expect(formatDuration(-1)).toBe('?');
  });
});

describe('formatUsd and shortSha', () => {
  it('keeps sub-cent amounts visible', () => {
    expect(formatUsd(0.153)).toBe('$0.15');
    expect(formatUsd(0.004)).toBe('$0.004');
    expect(formatUsd(0)).toBe('$0.00');
  });
  it('shortens a sha to seven characters', () => {
    expect(shortSha('abc1234def5678')).toBe('abc1234');
  });
});
