import { describe, expect, it } from 'vitest';
import { parseGcloudDuration, parseLoggingFilter } from './gcloud.ts';

describe('parseLoggingFilter', () => {
  it('reads AND-joined label, severity and timestamp terms, quoted or not', () => {
    expect(
      parseLoggingFilter(
        'resource.type="cloud_run_revision" AND resource.labels.service_name="api" AND resource.labels.revision_name=api-00003-abc AND severity >= error AND timestamp>="2026-01-15T12:00:00Z"',
      ),
    ).toEqual({
      resourceType: 'cloud_run_revision',
      labels: { service_name: 'api', revision_name: 'api-00003-abc' },
      severity: { op: '>=', level: 'ERROR' },
      fromMs: Date.UTC(2026, 0, 15, 12),
    });
  });

  it('treats terms on separate lines as joined by AND, as Cloud Logging does', () => {
    expect(parseLoggingFilter('resource.type="cloud_run_revision"\nseverity=WARNING')).toEqual({
      resourceType: 'cloud_run_revision',
      labels: {},
      severity: { op: '=', level: 'WARNING' },
    });
  });

  it('answers syntax errors and terms it cannot evaluate with INVALID_ARGUMENT errors', () => {
    expect(parseLoggingFilter('severity>=ERROR AND')).toEqual({ error: "INVALID_ARGUMENT: Unparseable filter: syntax error at line 1, column 20, token '<EOF>'" });
    expect(parseLoggingFilter('severity>=ERROR OR severity=INFO')).toMatchObject({ error: expect.stringContaining('cannot evaluate [OR]') });
    expect(parseLoggingFilter('jsonPayload.user="x"')).toMatchObject({ error: expect.stringContaining('cannot evaluate the filter term [jsonPayload.user="x"]') });
    expect(parseLoggingFilter('severity>=LOUD')).toMatchObject({ error: expect.stringContaining('Invalid severity [LOUD]') });
  });
});

describe('parseGcloudDuration', () => {
  it('reads gcloud durations and refuses anything else', () => {
    expect(parseGcloudDuration('10m')).toBe(600_000);
    expect(parseGcloudDuration('1h30m')).toBe(5_400_000);
    expect(parseGcloudDuration('2d')).toBe(172_800_000);
    expect(parseGcloudDuration('10 minutes')).toBeUndefined();
  });
});
