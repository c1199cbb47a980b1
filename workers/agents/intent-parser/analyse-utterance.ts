/**
 * The first half of the Intent Parser: normalise an utterance and tag every word with what it
 * is in the command grammar (verb, service, environment, ref, negation, filler, ...).
 *
 * The output is a list of units — one phrase each, in order, with the clause it belongs to —
 * and says nothing yet about what the command means; `parse-intent.ts` decides that. The LLM
 * path uses the same analysis to check an LLM's answer against the words actually said.
 */
import type { Catalog } from '../../../common/config.ts';
import { ENVIRONMENTS, type Environment } from '../../../common/messages.ts';
import * as G from './grammar.ts';

export type VerbForm = 'base' | 's' | 'ed' | 'ing';
export type RefKind = keyof typeof G.REF_KEYWORDS;
export type OperationNoun = keyof typeof G.OPERATION_NOUNS;

/** What one phrase of the utterance is. `word` means the grammar does not know it. */
export type Tag =
  | { readonly t: 'word' }
  | { readonly t: 'boundary' }
  | { readonly t: 'wake' }
  | { readonly t: 'filler' }
  | { readonly t: 'verb'; readonly verb: G.VerbClass; readonly form: VerbForm; readonly typo?: boolean }
  | { readonly t: 'kill' }
  | { readonly t: 'cancelPhrase' }
  | { readonly t: 'injection' }
  | { readonly t: 'override' }
  | { readonly t: 'dryRun'; readonly weak: boolean }
  | { readonly t: 'negation' }
  | { readonly t: 'followUp' }
  | { readonly t: 'service'; readonly service: string; readonly typo: boolean }
  | { readonly t: 'unknownService' }
  | { readonly t: 'environment'; readonly environment: Environment }
  | { readonly t: 'unknownEnvironment'; readonly suggestion: Environment | null }
  | { readonly t: 'allEnvironments' }
  | { readonly t: 'allServices' }
  | { readonly t: 'noun'; readonly noun: OperationNoun; readonly plural: boolean }
  | { readonly t: 'last' }
  | { readonly t: 'environmentNoun' }
  | { readonly t: 'serviceNoun' }
  | { readonly t: 'refKeyword'; readonly ref: RefKind }
  | { readonly t: 'branchWord' }
  | { readonly t: 'ref'; readonly value: string }
  | { readonly t: 'approvalKeyword' }
  | { readonly t: 'approvalId'; readonly value: string }
  | { readonly t: 'conjunction' }
  | { readonly t: 'desire' }
  | { readonly t: 'determiner' }
  | { readonly t: 'pronoun' }
  | { readonly t: 'preposition' }
  | { readonly t: 'known' };

export type TagName = Tag['t'];

/** One phrase of the utterance. Flags are set by the later analysis passes. */
export interface Unit {
  tag: Tag;
  /** Normalised words of the phrase, space-separated. */
  text: string;
  /** The words as typed (case kept), for refs. */
  raw: string;
  /** Index of the clause (split at punctuation and conjunctions). */
  clause: number;
  /** A verb or kill phrase under a negation ("do not deploy"). */
  negated: boolean;
  /** A service or environment under a negation ("not production"): not a target. */
  excluded: boolean;
  /** An environment after "from" ("promote api from staging to production"). */
  source: boolean;
}

export interface Analysis {
  readonly units: readonly Unit[];
  /** Lower case, contractions expanded, wake phrase, fillers and punctuation removed. */
  readonly normalizedText: string;
  readonly wakePhrase: boolean;
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

interface Token {
  readonly text: string;
  readonly raw: string;
  readonly boundary: boolean;
}

const BOUNDARY: Token = { text: '|', raw: '|', boundary: true };

/**
 * Splits text into lower-case words and clause boundaries. Dots, hyphens, slashes and
 * underscores inside a word stay (versions, branch names, service names); sentence
 * punctuation becomes a boundary; contractions are expanded; a possessive "'s" is dropped.
 */
function tokenize(text: string): Token[] {
  const cleaned = text
    .normalize('NFKC')
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/@/g, ' at ')
    .replace(/&+/g, ' and ')
    .replace(/[\u2013\u2014]/g, ' , ')
    .replace(/[,;:!?()[\]{}"|]+/g, ' | ')
    .replace(/\.(?=\s|$)/g, ' | ')
    .replace(/[^\p{L}\p{N}._/'\-|\s]/gu, ' ');
  const tokens: Token[] = [];
  for (const piece of cleaned.split(/\s+/)) {
    if (piece === '') continue;
    if (piece === '|') {
      if (tokens.length > 0 && !tokens[tokens.length - 1]?.boundary) tokens.push(BOUNDARY);
      continue;
    }
    const raw = piece.replace(/^[._/'-]+|[._/'-]+$/g, '');
    if (raw === '') continue;
    // "a.p.i" → "api": dotted acronyms are one word.
    const lower = /^([a-z]\.)+[a-z]$/i.test(raw) ? raw.toLowerCase().replaceAll('.', '') : raw.toLowerCase();
    const expansion = G.CONTRACTIONS[lower];
    if (expansion !== undefined) {
      for (const word of expansion.split(' ')) tokens.push({ text: word, raw: word, boundary: false });
      continue;
    }
    const base = lower.endsWith("'s") ? lower.slice(0, -2) : lower.replaceAll("'", '');
    const rawBase = lower.endsWith("'s") ? raw.slice(0, -2) : raw.replaceAll("'", '');
    if (base !== '') tokens.push({ text: base, raw: rawBase, boundary: false });
  }
  while (tokens.length > 0 && tokens[tokens.length - 1]?.boundary) tokens.pop();
  return tokens;
}

/** How many leading tokens a wake phrase covers ("hey, ops" included), 0 when none. */
function wakeLength(tokens: readonly Token[]): number {
  let best = 0;
  for (const phrase of G.WAKE_PHRASES) {
    const words = phrase.split(' ');
    let index = 0;
    let matched = 0;
    while (index < tokens.length && matched < words.length) {
      const token = tokens[index];
      if (token === undefined) break;
      if (token.boundary) {
        if (matched === 0) break;
        index += 1;
        continue;
      }
      if (token.text !== words[matched]) break;
      matched += 1;
      index += 1;
    }
    if (matched === words.length && index > best) best = index;
  }
  return best;
}

function spokenNumber(word: string): number | null {
  if (/^\d+$/.test(word)) return Number(word);
  return G.NUMBER_WORDS[word] ?? null;
}

/**
 * "version one point four point two" → "version 1.4.2": spoken numbers after a version
 * keyword become one token. Tens and units combine ("twenty three" → 23).
 */
function joinSpokenVersions(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index];
    if (token === undefined) continue;
    out.push(token);
    if (!G.REF_KEYWORDS.version.includes(token.text)) continue;
    const parts: string[] = [];
    let cursor = index + 1;
    let spoken = false;
    for (;;) {
      const first = tokens[cursor];
      const value = first === undefined || first.boundary ? null : spokenNumber(first.text);
      if (value === null || first === undefined) break;
      spoken ||= !/^\d+$/.test(first.text);
      let number = value;
      cursor += 1;
      const next = tokens[cursor];
      const unit = next === undefined || next.boundary ? null : G.NUMBER_WORDS[next.text];
      if (number >= 20 && number % 10 === 0 && unit !== undefined && unit !== null && unit < 10) {
        number += unit;
        cursor += 1;
      }
      parts.push(String(number));
      const point = tokens[cursor];
      const afterPoint = tokens[cursor + 1];
      if (point === undefined || !G.NUMBER_POINT_WORDS.includes(point.text) || afterPoint === undefined || afterPoint.boundary || spokenNumber(afterPoint.text) === null) break;
      cursor += 1;
    }
    if (parts.length > 0 && (spoken || parts.length > 1)) {
      const version = parts.join('.');
      out.push({ text: version, raw: version, boundary: false });
      index = cursor - 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Lexicon: every grammar phrase, indexed by its first word
// ---------------------------------------------------------------------------------------------

interface Entry {
  readonly words: readonly string[];
  readonly tag: Tag;
}
type Lexicon = ReadonlyMap<string, readonly Entry[]>;

const VERB_CLASSES_WITH_FORMS: readonly G.VerbClass[] = ['deploy', 'rollback', 'approve', 'deny', 'cancel', 'launch'];

const serviceWordCache = new WeakMap<Catalog, ReadonlyMap<string, string>>();

/** The single-word spoken forms of every service (names and aliases), for typo matching. */
export function serviceWords(catalog: Catalog): ReadonlyMap<string, string> {
  const cached = serviceWordCache.get(catalog);
  if (cached !== undefined) return cached;
  const words = new Map<string, string>();
  for (const [service, phrases] of Object.entries(G.servicePhrases(catalog))) {
    for (const phrase of phrases) if (!phrase.includes(' ')) words.set(phrase, service);
  }
  serviceWordCache.set(catalog, words);
  return words;
}

/** Plural and singular spellings of a service phrase's last word ("payment" ↔ "payments"). */
function numberVariants(phrase: string): string[] {
  const words = phrase.split(' ');
  const last = words.at(-1) ?? '';
  const head = words.slice(0, -1);
  const variants: string[] = [];
  if (last.endsWith('s') && last.length > 3) variants.push(last.slice(0, -1));
  else variants.push(`${last}s`);
  return variants.map((variant) => [...head, variant].join(' '));
}

const lexicons = new WeakMap<Catalog, Lexicon>();

/**
 * Builds the lexicon for one catalog. Registration order is the priority among phrases of the
 * same length: safety phrases first (kill, cancel, injection, overrides, dry run, negation),
 * then the catalog's services, environments, verbs and the rest. A longer phrase always wins.
 */
function lexiconFor(catalog: Catalog): Lexicon {
  const cached = lexicons.get(catalog);
  if (cached !== undefined) return cached;
  const map = new Map<string, Entry[]>();
  const seen = new Set<string>();
  const add = (phrase: string, tag: Tag): void => {
    const spellings = phrase.includes(' ') ? [phrase, phrase.replaceAll(' ', '-')] : [phrase];
    for (const spelling of spellings) {
      const words = spelling.split(' ');
      const key = `${spelling}\u0000${tag.t}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const first = words[0] ?? '';
      const list = map.get(first) ?? [];
      list.push({ words, tag });
      map.set(first, list);
    }
  };
  const addAll = (phrases: readonly string[], tag: Tag): void => {
    for (const phrase of phrases) add(phrase, tag);
  };

  addAll(G.KILL_PHRASES, { t: 'kill' });
  addAll(G.CANCEL_PHRASES, { t: 'cancelPhrase' });
  addAll(G.INJECTION_PHRASES, { t: 'injection' });
  addAll(G.OVERRIDE_PHRASES, { t: 'override' });
  addAll(G.DRY_RUN_PHRASES, { t: 'dryRun', weak: false });
  addAll(G.DRY_RUN_QUESTION_PHRASES, { t: 'dryRun', weak: true });
  addAll(G.NEGATION_PHRASES, { t: 'negation' });
  addAll(G.FOLLOW_UP_PHRASES, { t: 'followUp' });

  // Services: exact phrases first, then plural/singular variants that belong to one service.
  const phrases = G.servicePhrases(catalog);
  const owners = new Map<string, Set<string>>();
  for (const [service, spoken] of Object.entries(phrases)) {
    for (const phrase of spoken) add(phrase, { t: 'service', service, typo: false });
    for (const variant of spoken.flatMap(numberVariants)) owners.set(variant, (owners.get(variant) ?? new Set()).add(service));
  }
  for (const [variant, services] of owners) {
    const [service] = [...services];
    if (services.size === 1 && service !== undefined) add(variant, { t: 'service', service, typo: false });
  }

  addAll(G.UNKNOWN_ENVIRONMENT_WORDS, { t: 'unknownEnvironment', suggestion: null });
  for (const environment of ENVIRONMENTS) addAll(G.ENVIRONMENT_SYNONYMS[environment], { t: 'environment', environment });
  addAll(G.ALL_ENVIRONMENTS_PHRASES, { t: 'allEnvironments' });
  addAll(G.ALL_SERVICES_PHRASES, { t: 'allServices' });

  // Plural operation nouns before verbs: "deploys" and "releases" are things, not commands.
  for (const [noun, forms] of Object.entries(G.OPERATION_NOUNS) as Array<[OperationNoun, (typeof G.OPERATION_NOUNS)[OperationNoun]]>) {
    addAll(forms.plural, { t: 'noun', noun, plural: true });
  }
  const verbOrder: readonly G.VerbClass[] = ['statusWeak', 'status', 'logs', 'cost', 'deploy', 'rollback', 'approve', 'deny', 'cancel', 'launch'];
  for (const verb of verbOrder) {
    for (const phrase of G.VERBS[verb]) {
      if (!VERB_CLASSES_WITH_FORMS.includes(verb)) {
        add(phrase, { t: 'verb', verb, form: 'base' });
        continue;
      }
      const forms = G.verbForms(phrase);
      for (const form of ['base', 's', 'ed', 'ing'] as const) addAll(forms[form], { t: 'verb', verb, form });
    }
  }
  for (const [noun, forms] of Object.entries(G.OPERATION_NOUNS) as Array<[OperationNoun, (typeof G.OPERATION_NOUNS)[OperationNoun]]>) {
    addAll(forms.singular, { t: 'noun', noun, plural: false });
  }
  addAll(G.LAST_WORDS, { t: 'last' });
  addAll(G.ENVIRONMENT_NOUNS, { t: 'environmentNoun' });
  addAll(G.SERVICE_NOUNS, { t: 'serviceNoun' });
  for (const [ref, words] of Object.entries(G.REF_KEYWORDS) as Array<[RefKind, readonly string[]]>) addAll(words, { t: 'refKeyword', ref });
  addAll(G.BRANCH_WORDS, { t: 'branchWord' });
  addAll(G.APPROVAL_ID_KEYWORDS, { t: 'approvalKeyword' });
  addAll(G.CONJUNCTIONS, { t: 'conjunction' });
  addAll(G.DESIRE_WORDS, { t: 'desire' });
  addAll(G.DETERMINERS, { t: 'determiner' });
  addAll(G.PRONOUNS, { t: 'pronoun' });
  addAll(G.PREPOSITIONS, { t: 'preposition' });
  addAll(G.FILLER_PHRASES, { t: 'filler' });
  addAll(G.KNOWN_WORDS, { t: 'known' });

  for (const list of map.values()) list.sort((a, b) => b.words.length - a.words.length);
  lexicons.set(catalog, map);
  return map;
}

function longestMatch(lexicon: Lexicon, tokens: readonly Token[], start: number): Entry | null {
  const first = tokens[start];
  if (first === undefined) return null;
  for (const entry of lexicon.get(first.text) ?? []) {
    if (entry.words.every((word, offset) => tokens[start + offset]?.text === word)) return entry;
  }
  return null;
}

function tagTokens(tokens: readonly Token[], start: number, lexicon: Lexicon): Unit[] {
  const units: Unit[] = [];
  let index = start;
  const unit = (tag: Tag, from: number, to: number): Unit => {
    const span = tokens.slice(from, to);
    return { tag, text: span.map((token) => token.text).join(' '), raw: span.map((token) => token.raw).join(' '), clause: 0, negated: false, excluded: false, source: false };
  };
  while (index < tokens.length) {
    const token = tokens[index];
    if (token === undefined) break;
    if (token.boundary) {
      units.push(unit({ t: 'boundary' }, index, index + 1));
      index += 1;
      continue;
    }
    const entry = longestMatch(lexicon, tokens, index);
    const length = entry?.words.length ?? 1;
    units.push(unit(entry?.tag ?? { t: 'word' }, index, index + length));
    index += length;
  }
  return units;
}

// ---------------------------------------------------------------------------------------------
// Passes over the tagged units
// ---------------------------------------------------------------------------------------------

function assignClauses(units: Unit[]): void {
  let clause = 0;
  for (const unit of units) {
    if (unit.tag.t === 'boundary' || unit.tag.t === 'conjunction') {
      clause += 1;
      unit.clause = clause;
      clause += 1;
      continue;
    }
    unit.clause = clause;
  }
}

/** Units that carry no meaning for slot positions: fillers and punctuation. */
function isSkippable(unit: Unit): boolean {
  return unit.tag.t === 'filler' || unit.tag.t === 'wake';
}

/** The next meaningful unit after `index` in the same clause, skipping fillers (and more). */
function nextUnit(units: readonly Unit[], index: number, skip: (unit: Unit) => boolean = isSkippable): { unit: Unit; index: number } | null {
  const clause = units[index]?.clause;
  for (let cursor = index + 1; cursor < units.length; cursor += 1) {
    const unit = units[cursor];
    if (unit === undefined || unit.clause !== clause) return null;
    if (skip(unit)) continue;
    return { unit, index: cursor };
  }
  return null;
}

function previousUnit(units: readonly Unit[], index: number): Unit | null {
  const clause = units[index]?.clause;
  for (let cursor = index - 1; cursor >= 0; cursor -= 1) {
    const unit = units[cursor];
    if (unit === undefined || unit.clause !== clause) return null;
    if (isSkippable(unit)) continue;
    return unit;
  }
  return null;
}

const SEPARABLE_FORMS = G.SEPARABLE_VERBS.map((separable) => ({ ...separable, forms: G.verbForms(separable.head) }));

/** "roll api back", "back payments out": the particle may follow the object. */
function joinSeparableVerbs(units: Unit[]): void {
  for (const [index, unit] of units.entries()) {
    for (const separable of SEPARABLE_FORMS) {
      const forms = separable.forms;
      const form = (['base', 's', 'ed', 'ing'] as const).find((name) => forms[name].includes(unit.text));
      if (form === undefined) continue;
      if (unit.tag.t === 'verb' && unit.tag.verb === separable.verb) continue;
      for (let offset = 1; offset <= G.SEPARABLE_VERB_REACH; offset += 1) {
        const candidate = units[index + offset];
        if (candidate === undefined || candidate.clause !== unit.clause) break;
        if (candidate.text === separable.particle && (candidate.tag.t === 'known' || candidate.tag.t === 'word')) {
          unit.tag = { t: 'verb', verb: separable.verb, form };
          candidate.tag = { t: 'known' };
          break;
        }
      }
    }
  }
}

const NOUN_MODIFIERS: ReadonlySet<string> = new Set(['service', 'environment', 'serviceNoun', 'environmentNoun', 'last']);

/**
 * "the deploy", "my last release", "the web deploy", "the production release": after a
 * determiner (and any service, environment or "last" words) a verb that is also a noun is a
 * noun.
 */
function retagNouns(units: Unit[]): void {
  for (const [index, unit] of units.entries()) {
    if (unit.tag.t !== 'verb') continue;
    let before = previousUnit(units, index);
    while (before !== null && NOUN_MODIFIERS.has(before.tag.t)) {
      if (before.tag.t === 'last') break;
      before = previousUnit(units, units.indexOf(before));
    }
    if (before === null || (before.tag.t !== 'determiner' && before.tag.t !== 'last')) continue;
    for (const [noun, forms] of Object.entries(G.OPERATION_NOUNS) as Array<[OperationNoun, (typeof G.OPERATION_NOUNS)[OperationNoun]]>) {
      if (forms.singular.includes(unit.text)) unit.tag = { t: 'noun', noun, plural: false };
      else if (forms.plural.includes(unit.text)) unit.tag = { t: 'noun', noun, plural: true };
    }
  }
}

const SINGLE_CHARACTER = /^[a-z0-9]$/;
const APPROVAL_ID = /^[a-z0-9][a-z0-9_-]{2,63}$/;

/**
 * "approve 3f2a9c", "deny request ab12", "approve three f two a nine c": the id after an
 * approve or deny verb. A single word must look like an id (a digit in it, or named by
 * "request"/"id"); spelled-out characters are joined.
 */
function tagApprovalIds(units: Unit[]): void {
  for (const [index, unit] of units.entries()) {
    if (unit.tag.t !== 'verb' || (unit.tag.verb !== 'approve' && unit.tag.verb !== 'deny')) continue;
    let cursor = index + 1;
    let named = false;
    while (cursor < units.length) {
      const candidate = units[cursor];
      if (candidate === undefined || candidate.clause !== unit.clause) break;
      if (candidate.tag.t === 'approvalKeyword') named = true;
      const skip =
        isSkippable(candidate) ||
        candidate.tag.t === 'approvalKeyword' ||
        candidate.tag.t === 'noun' ||
        (candidate.tag.t === 'determiner' && candidate.text !== 'a') ||
        (candidate.tag.t === 'preposition' && candidate.text === 'for');
      if (!skip) break;
      cursor += 1;
    }
    const first = units[cursor];
    if (first === undefined || first.clause !== unit.clause) continue;
    const spelled: Unit[] = [];
    for (let run = cursor; run < units.length; run += 1) {
      const piece = units[run];
      if (piece === undefined || piece.clause !== unit.clause || piece.text.includes(' ')) break;
      const digit = G.NUMBER_WORDS[piece.text];
      if (!SINGLE_CHARACTER.test(piece.text) && !/^\d+$/.test(piece.text) && (digit === undefined || digit > 9)) break;
      spelled.push(piece);
    }
    if (spelled.length >= 2) {
      const value = spelled.map((piece) => String(G.NUMBER_WORDS[piece.text] ?? piece.text)).join('');
      if (APPROVAL_ID.test(value) && /\d/.test(value)) {
        const [head, ...rest] = spelled;
        if (head !== undefined) {
          head.tag = { t: 'approvalId', value };
          for (const piece of rest) piece.tag = { t: 'filler' };
        }
        continue;
      }
    }
    const plain = first.tag.t === 'word' || first.tag.t === 'ref' || (first.tag.t === 'known' && /\d/.test(first.text));
    if (plain && APPROVAL_ID.test(first.text) && (/\d/.test(first.text) || named)) first.tag = { t: 'approvalId', value: first.text };
  }
}

const VERSION_LIKE = /^v?\d+(\.\d+)*([.+-][0-9a-z][0-9a-z.-]*)?$/i;
const HEX_SHA = /^[0-9a-f]{6,40}$/i;
const REF_LIKE = /^[a-z0-9][\w./-]*$/i;

function isVersion(text: string): boolean {
  return VERSION_LIKE.test(text) && /\d/.test(text);
}

/** A word that can be a ref after a keyword: unknown to the grammar, or a branch/env word. */
function refCandidate(unit: Unit | undefined): unit is Unit {
  if (unit === undefined || !REF_LIKE.test(unit.raw) || unit.text.includes(' ')) return false;
  return ['word', 'branchWord', 'environment', 'unknownEnvironment'].includes(unit.tag.t) || isVersion(unit.text);
}

function setRef(unit: Unit, value: string): void {
  unit.tag = { t: 'ref', value };
}

/**
 * Git refs: "version 1.4.2", "v1.4.2", "tag v2", "commit abc1234", "branch feature-x",
 * "the feature-x branch", "from main", "at abc1234", a bare "main". The ref keeps the case
 * it was typed in (git refs are case-sensitive).
 */
function tagRefs(units: Unit[]): void {
  for (const [index, unit] of units.entries()) {
    const next = nextUnit(units, index, (candidate) => isSkippable(candidate) || (candidate.tag.t === 'determiner' && candidate.text === 'the'))?.unit;
    if (unit.tag.t === 'refKeyword') {
      const kind = unit.tag.ref;
      const hexOnly = kind === 'commit' && G.COMMIT_KEYWORDS_HEX_ONLY.includes(unit.text);
      if (kind === 'version' && next !== undefined && isVersion(next.text)) setRef(next, unit.text === 'v' && /^\d/.test(next.raw) ? `v${next.raw}` : next.raw);
      else if (hexOnly && next !== undefined && HEX_SHA.test(next.text)) setRef(next, next.raw);
      else if (kind !== 'version' && !hexOnly && refCandidate(next)) setRef(next, next.raw);
      else if (kind === 'branch') {
        const before = units[index - 1];
        if (refCandidate(before) && before.clause === unit.clause && before.tag.t !== 'ref') setRef(before, before.raw);
      }
      continue;
    }
    if (unit.tag.t === 'preposition' && G.REF_PREPOSITIONS.includes(unit.text) && next !== undefined) {
      const looksLikeBranch = next.tag.t === 'branchWord' || (next.tag.t === 'word' && (unit.text !== 'at' ? REF_LIKE.test(next.raw) : false));
      if (isVersion(next.text) || (HEX_SHA.test(next.text) && /\d/.test(next.text) && next.text.length >= 7) || looksLikeBranch) setRef(next, next.raw);
      continue;
    }
  }
  for (const unit of units) {
    if (unit.tag.t === 'branchWord') setRef(unit, unit.raw);
    else if (unit.tag.t === 'word' && ((isVersion(unit.text) && (/^v\d/.test(unit.text) || unit.text.includes('.'))) || (HEX_SHA.test(unit.text) && unit.text.length >= 7 && /\d/.test(unit.text) && /[a-f]/.test(unit.text)))) {
      setRef(unit, unit.raw);
    }
  }
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transposition): "paymnets"
 * is one edit from "payments".
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, at(i - 2, j - 2) + 1);
      const row = d[i];
      if (row !== undefined) row[j] = value;
    }
  }
  return at(a.length, b.length);
}

/** Minimum length of a service word (and of the heard word) for typo correction. */
export const TYPO_MIN_LENGTH = 4;

/** The one service a word is a small typo of, or null (none, or more than one). */
export function typoService(word: string, words: ReadonlyMap<string, string>): string | null {
  if (word.length < TYPO_MIN_LENGTH || !/^[a-z-]+$/.test(word) || G.NOT_TYPOS.includes(word)) return null;
  const matches = new Set<string>();
  for (const [spoken, service] of words) {
    if (spoken.length >= TYPO_MIN_LENGTH && Math.abs(spoken.length - word.length) <= 1 && editDistance(word, spoken) <= 1) matches.add(service);
  }
  const [only] = [...matches];
  return matches.size === 1 && only !== undefined ? only : null;
}

function tagServiceTypos(units: Unit[], catalog: Catalog): void {
  const words = serviceWords(catalog);
  for (const unit of units) {
    if (unit.tag.t !== 'word') continue;
    const service = typoService(unit.text, words) ?? typoService(unit.text.replace(/s$/, ''), words);
    if (service !== null) unit.tag = { t: 'service', service, typo: true };
  }
}

const TYPO_VERB_FORMS: ReadonlyArray<{ readonly word: string; readonly verb: G.VerbClass; readonly form: VerbForm }> = G.TYPO_CORRECTED_VERBS.flatMap((verb) =>
  G.VERBS[verb]
    .filter((phrase) => !phrase.includes(' ') && phrase.length >= G.VERB_TYPO_MIN_LENGTH)
    .flatMap((phrase) => {
      const forms = VERB_CLASSES_WITH_FORMS.includes(verb) ? G.verbForms(phrase) : { base: [phrase], ing: [] };
      return [...forms.base.map((word) => ({ word, verb, form: 'base' as const })), ...forms.ing.map((word) => ({ word, verb, form: 'ing' as const }))];
    }),
);

/**
 * "deply", "rollbak": a word one edit from exactly one command verb (of five letters or
 * more) is read as that verb, marked as a typo so the confidence drops. Only where a command
 * verb goes — first in its clause after fillers — so "everything except payments" stays.
 */
function tagVerbTypos(units: Unit[]): void {
  for (const [index, unit] of units.entries()) {
    if (unit.tag.t !== 'word' || unit.text.length < G.VERB_TYPO_MIN_LENGTH || !/^[a-z]+$/.test(unit.text) || G.NOT_TYPOS.includes(unit.text)) continue;
    if (previousUnit(units, index) !== null) continue;
    const matches = TYPO_VERB_FORMS.filter((candidate) => Math.abs(candidate.word.length - unit.text.length) <= 1 && editDistance(unit.text, candidate.word) <= 1);
    const verbs = new Set(matches.map((match) => match.verb));
    const [match] = matches;
    if (verbs.size === 1 && match !== undefined) unit.tag = { t: 'verb', verb: match.verb, form: match.form, typo: true };
  }
}

/** The environment a misspelt word is close to ("prodution" → production), for the question. */
function nearEnvironment(word: string): Environment | null {
  if (word.length < 5 || !/^[a-z]+$/.test(word)) return null;
  for (const environment of ENVIRONMENTS) {
    for (const synonym of G.ENVIRONMENT_SYNONYMS[environment]) {
      // Two edits for long names ("prodution", "developement"), one for short ones ("stagin").
      const allowed = synonym.length >= 7 ? 2 : 1;
      if (synonym.length >= 5 && Math.abs(synonym.length - word.length) <= allowed && editDistance(word, synonym) <= allowed) return environment;
    }
  }
  return null;
}

/** An environment synonym hidden in a compound word: "prod-eu", "staging2". */
function containsEnvironment(word: string): Environment | null {
  for (const part of word.split(/[-_/.\d]+/)) {
    for (const environment of ENVIRONMENTS) if (part !== word && G.ENVIRONMENT_SYNONYMS[environment].includes(part)) return environment;
  }
  return null;
}

const ALPHABETIC = /^[a-z][a-z0-9_-]*$/;

/**
 * Words that stand where an environment goes but are not one of ours: "to qa", "in the uat
 * environment", "prod-eu", "prodution". They are never mapped to an environment; the parser
 * asks, naming the word (and the near environment, if there is one).
 */
function tagUnknownEnvironments(units: Unit[]): void {
  for (const unit of units) {
    if (unit.tag.t !== 'word') continue;
    const near = nearEnvironment(unit.text) ?? containsEnvironment(unit.text);
    if (near !== null) unit.tag = { t: 'unknownEnvironment', suggestion: near };
  }
  for (const [index, unit] of units.entries()) {
    const after = nextUnit(units, index);
    if (unit.tag.t === 'word' && after?.unit.tag.t === 'environmentNoun' && ALPHABETIC.test(unit.text)) {
      unit.tag = { t: 'unknownEnvironment', suggestion: null };
      continue;
    }
    if (unit.tag.t !== 'preposition' || !G.ENVIRONMENT_PREPOSITIONS.includes(unit.text)) continue;
    const found = nextUnit(units, index, (candidate) => isSkippable(candidate) || candidate.tag.t === 'determiner');
    if (found === null || found.unit.tag.t !== 'word' || !ALPHABETIC.test(found.unit.text)) continue;
    const following = nextUnit(units, found.index);
    const destination = G.DESTINATION_PREPOSITIONS.includes(unit.text);
    const endOfClause = following === null || following.unit.tag.t === 'override' || following.unit.tag.t === 'dryRun';
    if (destination || endOfClause || following.unit.tag.t === 'environmentNoun') found.unit.tag = { t: 'unknownEnvironment', suggestion: null };
  }
}

const SERVICE_POSITION_VERBS: readonly G.VerbClass[] = ['deploy', 'rollback', 'status', 'statusWeak', 'logs', 'cost'];

/**
 * Words that stand where a service goes but are not in the catalog: "deploy foo to staging",
 * "status of foo", "the foo service", "is foo up". The parser asks instead of substituting.
 */
function tagUnknownServices(units: Unit[]): void {
  const skipBeforeService = (candidate: Unit): boolean =>
    isSkippable(candidate) || candidate.tag.t === 'determiner' || candidate.tag.t === 'last' || candidate.tag.t === 'ref' || candidate.tag.t === 'refKeyword';
  for (const [index, unit] of units.entries()) {
    let candidate: Unit | undefined;
    const isServiceVerb = unit.tag.t === 'verb' && SERVICE_POSITION_VERBS.includes(unit.tag.verb) && !G.STATUS_WORDS_AFTER_SERVICE.includes(unit.text);
    const servicePreposition = unit.tag.t === 'preposition' && (unit.text === 'of' || unit.text === 'for');
    if (isServiceVerb || servicePreposition || unit.tag.t === 'followUp') {
      candidate = nextUnit(units, index, skipBeforeService)?.unit;
    }
    const after = nextUnit(units, index)?.unit;
    if (unit.tag.t === 'word' && (after?.tag.t === 'serviceNoun' || (after !== undefined && G.STATUS_WORDS_AFTER_SERVICE.includes(after.text)))) candidate = unit;
    if (candidate !== undefined && candidate.tag.t === 'word' && ALPHABETIC.test(candidate.text)) candidate.tag = { t: 'unknownService' };
  }
}

const ACTION_VERBS: readonly G.VerbClass[] = ['deploy', 'rollback', 'approve', 'deny', 'cancel', 'launch'];

/**
 * A negation before an action verb or kill phrase negates it; before a service or an
 * environment it excludes that target ("deploy to staging, not production"). Read-only verbs
 * are not negated: "is api not healthy" is still a status question.
 */
function markNegations(units: Unit[]): void {
  const free = (candidate: Unit): boolean => isSkippable(candidate) || candidate.tag.t === 'determiner' || G.NEGATION_GAP_WORDS.includes(candidate.text);
  for (const [index, unit] of units.entries()) {
    if (unit.tag.t !== 'negation') continue;
    let cursor = index;
    let reach = G.NEGATION_REACH;
    while (reach >= 0) {
      const found = nextUnit(units, cursor);
      if (found === null) break;
      const target = found.unit;
      if ((target.tag.t === 'verb' && ACTION_VERBS.includes(target.tag.verb)) || target.tag.t === 'kill' || target.tag.t === 'cancelPhrase') {
        target.negated = true;
        break;
      }
      if (target.tag.t === 'service' || target.tag.t === 'environment') {
        target.excluded = true;
        break;
      }
      // Other words ("do not even think about deploying") use up the reach; fillers do not.
      if (!free(target)) reach -= 1;
      cursor = found.index;
    }
  }
}

/** "from staging": an environment after "from" is where something comes from, not the target. */
function markSourceEnvironments(units: Unit[]): void {
  for (const [index, unit] of units.entries()) {
    if (unit.tag.t !== 'environment') continue;
    const before = previousUnit(units, index);
    const beforeThat = before === null ? null : previousUnit(units, units.indexOf(before));
    const source = (candidate: Unit | null): boolean => candidate !== null && candidate.tag.t === 'preposition' && G.SOURCE_PREPOSITIONS.includes(candidate.text);
    if (source(before) || (before?.tag.t === 'determiner' && source(beforeThat))) unit.source = true;
  }
}

/** Normalises and tags one utterance. Pure; the lexicon is cached per catalog object. */
export function analyseUtterance(text: string, catalog: Catalog): Analysis {
  const tokens = joinSpokenVersions(tokenize(text));
  const wake = wakeLength(tokens);
  const units = tagTokens(tokens, wake, lexiconFor(catalog));
  assignClauses(units);
  joinSeparableVerbs(units);
  retagNouns(units);
  tagVerbTypos(units);
  tagApprovalIds(units);
  tagRefs(units);
  tagServiceTypos(units, catalog);
  tagUnknownEnvironments(units);
  tagUnknownServices(units);
  markNegations(units);
  markSourceEnvironments(units);
  const normalizedText = units
    .filter((unit) => unit.tag.t !== 'boundary' && unit.tag.t !== 'filler' && unit.tag.t !== 'wake')
    .map((unit) => (unit.tag.t === 'approvalId' ? unit.tag.value : unit.text))
    .join(' ');
  return { units, normalizedText, wakePhrase: wake > 0 };
}
