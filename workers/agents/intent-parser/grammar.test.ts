import { describe, expect, it } from 'vitest';
import { SANDBOX_CATALOG } from '../../../common/config.ts';
import { ENVIRONMENTS } from '../../../common/messages.ts';
import {
  ENVIRONMENT_CHOICES,
  ENVIRONMENT_SYNONYMS,
  grammarPhrases,
  servicePhrases,
  spokenList,
  UNKNOWN_ENVIRONMENT_WORDS,
  VERBS,
  verbForms,
} from './grammar.ts';

describe('grammar tables', () => {
  it('inflects verb phrases by their first word', () => {
    expect(verbForms('deploy')).toEqual({ base: ['deploy'], s: ['deploys'], ed: ['deployed'], ing: ['deploying'] });
    expect(verbForms('ship')).toEqual({ base: ['ship'], s: ['ships'], ed: ['shipped'], ing: ['shipping'] });
    expect(verbForms('release')).toEqual({ base: ['release'], s: ['releases'], ed: ['released'], ing: ['releasing'] });
    expect(verbForms('roll back')).toEqual({ base: ['roll back'], s: ['rolls back'], ed: ['rolled back'], ing: ['rolling back'] });
    expect(verbForms('push')).toMatchObject({ s: ['pushes'], ed: ['pushed'] });
    expect(verbForms('undo')).toMatchObject({ s: ['undoes'], ed: ['undid', 'undone'], ing: ['undoing'] });
    expect(verbForms('put')).toMatchObject({ ed: [], ing: ['putting'] });
  });

  it('maps each environment word to exactly one environment and keeps ambiguous words out', () => {
    const seen = new Map<string, string>();
    for (const environment of ENVIRONMENTS) {
      for (const word of ENVIRONMENT_SYNONYMS[environment]) {
        expect(seen.get(word), word).toBeUndefined();
        seen.set(word, environment);
        expect(UNKNOWN_ENVIRONMENT_WORDS, word).not.toContain(word);
      }
    }
    for (const ambiguous of ['qa', 'uat', 'preprod', 'pre prod', 'sandbox']) expect([...seen.keys()]).not.toContain(ambiguous);
  });

  it('has no phrase in two verb classes', () => {
    const owner = new Map<string, string>();
    for (const [verbClass, phrases] of Object.entries(VERBS)) {
      for (const phrase of phrases) {
        expect(owner.get(phrase), `${phrase} in ${verbClass}`).toBeUndefined();
        owner.set(phrase, verbClass);
      }
    }
  });

  it('gives the catalog services as spoken phrases', () => {
    const phrases = servicePhrases(SANDBOX_CATALOG);
    expect(Object.keys(phrases)).toEqual(['api', 'web', 'payments', 'checkout', 'worker']);
    expect(phrases['payments']).toEqual(['payments', 'payment', 'payment service', 'billing']);
    expect(phrases['api']).toContain('a p i');
  });

  it('lists every category for a speech grammar, verbs with their forms', () => {
    const phrases = grammarPhrases();
    expect(phrases['verb.deploy']).toEqual(expect.arrayContaining(['deploy', 'deploying', 'ship', 'roll out', 'rolled out']));
    expect(phrases['verb.rollback']).toEqual(expect.arrayContaining(['roll back', 'revert', 'undo']));
    expect(phrases['environment.production']).toEqual(['production', 'prod', 'prd', 'live']);
    expect(phrases['kill']).toEqual(expect.arrayContaining(['emergency stop', 'kill switch', 'stop everything']));
    expect(phrases['wake']).toContain('hey ops');
    for (const [category, list] of Object.entries(phrases)) {
      expect(list.length, category).toBeGreaterThan(0);
      for (const phrase of list) expect(phrase, category).toMatch(/^[a-z0-9][a-z0-9 ]*$/);
    }
  });

  it('speaks lists the way the questions do', () => {
    expect(ENVIRONMENT_CHOICES).toBe('dev, staging or production');
    expect(spokenList(['api'])).toBe('api');
    expect(spokenList(['api', 'web'])).toBe('api or web');
  });
});
