/**
 * The Intent Parser's grammar path: one utterance's text → a typed Intent. Pure, synchronous,
 * no network; the same text, catalog, context and time always give the same intent.
 *
 * `analyse-utterance.ts` tags the words; this module decides what the command means:
 *   1. the kind — kill beats cancel beats negation beats compound beats everything else, so a
 *      doubt always lands on the side that changes less;
 *   2. the target — service and environment from the words, filled from the conversation or
 *      the catalog's default only where that is safe (see `resolveTarget`);
 *   3. a question whenever the command cannot go ahead as said, notes that say why, and a
 *      confidence score (see `scoreConfidence`).
 *
 * The environment is never guessed: not from the catalog, not from the conversation for a
 * command that changes something, never "production" unless a production word was said.
 */
import type { Catalog } from '../../../common/config.ts';
import { IntentSchema, isMutatingKind, type ConversationContext, type Environment, type Intent, type IntentKind, type SlotSource } from '../../../common/messages.ts';
import { analyseUtterance, type Analysis, type Unit } from './analyse-utterance.ts';
import * as G from './grammar.ts';

/** What the parser reads besides the text. `now` defaults to the current time. */
export interface ParseContext {
  readonly catalog: Catalog;
  readonly context: ConversationContext;
  /** ISO time the utterance arrived; decides whether the conversation context is recent. */
  readonly now?: string;
}

/** The conversation context fills a missing slot only this soon after the last command. */
export const CONTEXT_MAX_AGE_MS = 5 * 60_000;
/** Clock skew tolerated for a context stamped slightly "in the future". */
const CONTEXT_SKEW_MS = 5_000;

/**
 * Notes other code keys on (the worker decides from them whether to ask the LLM). Each note
 * starts with one of these; the rest of the note is for people.
 */
export const NOTES = {
  negated: 'negated',
  compound: 'compound',
  conflicting: 'conflicting',
  followUpOfChange: 'follow-up of a change',
  lastDeployment: 'target: last deployment',
  injection: 'instruction-like text ignored',
  override: 'safety override ignored',
  dryRun: 'dry run',
  empty: 'empty',
} as const;

/** Notes after which the LLM must not be asked: the grammar understood, and said no. */
export const NOTES_THAT_BLOCK_LLM: readonly string[] = [NOTES.negated, NOTES.compound, NOTES.conflicting, NOTES.followUpOfChange, NOTES.empty];

/** Whether an unknown grammar intent may be handed to the LLM. */
export function mayAskLlm(intent: Intent): boolean {
  return intent.kind === 'unknown' && !intent.notes.some((note) => NOTES_THAT_BLOCK_LLM.some((prefix) => note.startsWith(prefix)));
}

// ---------------------------------------------------------------------------------------------
// Questions (user-facing; tests pin them)
// ---------------------------------------------------------------------------------------------

export const ENVIRONMENT_QUESTION = `Which environment: ${G.ENVIRONMENT_CHOICES}?`;

export function serviceQuestion(catalog: Catalog): string {
  return `Which service: ${G.spokenList(Object.keys(catalog.services))}?`;
}

const NEGATED_ANSWERS: Readonly<Record<string, string>> = {
  deploy: 'Not deploying.',
  rollback: 'Not rolling back.',
  approve: 'Not approving.',
  deny: 'Not denying.',
  cancel: 'Not cancelling.',
  launch: 'Not starting anything.',
  kill: 'Not stopping anything.',
};

const SPOKEN_KIND: Readonly<Record<'deploy' | 'rollback', { verb: string; preposition: string }>> = {
  deploy: { verb: 'deploy', preposition: 'to' },
  rollback: { verb: 'roll back', preposition: 'in' },
};

function exampleService(catalog: Catalog): string {
  return catalog.defaultService ?? Object.keys(catalog.services)[0] ?? 'api';
}

function unknownQuestion(catalog: Catalog): string {
  const service = exampleService(catalog);
  return `I didn't understand that. Try "deploy ${service} to staging", "status of ${service}" or "roll back the last deployment".`;
}

// ---------------------------------------------------------------------------------------------
// Reading the units
// ---------------------------------------------------------------------------------------------

const ACTION_VERBS: readonly G.VerbClass[] = ['deploy', 'rollback', 'approve', 'deny', 'cancel', 'launch'];
const READ_KINDS: readonly IntentKind[] = ['status', 'logs', 'cost'];
const NOT_MEANINGFUL: ReadonlySet<string> = new Set(['boundary', 'filler', 'wake', 'conjunction']);

function meaningful(units: readonly Unit[]): Unit[] {
  return units.filter((unit) => !NOT_MEANINGFUL.has(unit.tag.t));
}

function inClause(units: readonly Unit[], clause: number): Unit[] {
  return units.filter((unit) => unit.clause === clause && !NOT_MEANINGFUL.has(unit.tag.t));
}

/** A clause that asks ("what was deployed", "is api up"): its action verbs describe. */
function isQuestionClause(units: readonly Unit[], clause: number): boolean {
  const first = inClause(units, clause)[0];
  if (first === undefined || !['known', 'verb', 'desire'].includes(first.tag.t)) return false;
  return G.QUESTION_STARTERS.includes(first.text.split(' ')[0] ?? '');
}

function hasDesireBefore(units: readonly Unit[], unit: Unit): boolean {
  const index = units.indexOf(unit);
  return units.some((other, position) => position < index && other.clause === unit.clause && other.tag.t === 'desire');
}

interface Markers {
  readonly dryRun: boolean;
  readonly weakDryRun: boolean;
}

/**
 * Whether a verb commands. Read-only verbs always do. An action verb does in its base form
 * or gerund ("deploy", "start deploying"), in a past form only after a wish ("I want api
 * deployed") or inside a dry run ("what if I deployed"), and never inside a question ("what
 * was deployed?", "which service did you deploy?") — those ask for status.
 */
function isCommandVerb(units: readonly Unit[], unit: Unit, markers: Markers): boolean {
  if (unit.tag.t !== 'verb' || unit.negated) return false;
  if (!ACTION_VERBS.includes(unit.tag.verb)) return true;
  const dryRun = markers.dryRun || markers.weakDryRun;
  const question = isQuestionClause(units, unit.clause) && !dryRun;
  if (unit.tag.form === 'base' || unit.tag.form === 'ing') return !question;
  return dryRun || (hasDesireBefore(units, unit) && !question);
}

/** A change said but not commanded ("what was deployed"): a status question. */
function isDescriptiveVerb(units: readonly Unit[], unit: Unit, markers: Markers): boolean {
  return unit.tag.t === 'verb' && (unit.tag.verb === 'deploy' || unit.tag.verb === 'rollback') && !unit.negated && !isCommandVerb(units, unit, markers);
}

function nounKinds(units: readonly Unit[]): Array<'deploy' | 'rollback'> {
  const kinds: Array<'deploy' | 'rollback'> = [];
  for (const unit of units) if (unit.tag.t === 'noun' && unit.tag.noun !== 'operation' && !kinds.includes(unit.tag.noun)) kinds.push(unit.tag.noun);
  return kinds;
}

/**
 * The kinds one clause asks for, in the order said. A launcher ("start", "trigger") or a
 * dry-run marker takes its kind from the operation noun ("simulate a rollback").
 */
function clauseKinds(units: readonly Unit[], clause: number, markers: Markers): IntentKind[] {
  const words = inClause(units, clause);
  const kinds: IntentKind[] = [];
  const add = (kind: IntentKind): void => {
    if (!kinds.includes(kind)) kinds.push(kind);
  };
  const launched = words.some((unit) => unit.tag.t === 'dryRun') || words.some((unit) => unit.tag.t === 'verb' && unit.tag.verb === 'launch' && isCommandVerb(units, unit, markers));
  for (const unit of words) {
    if (unit.tag.t === 'noun' && unit.tag.noun !== 'operation' && launched) add(unit.tag.noun);
    if (unit.tag.t !== 'verb' || !isCommandVerb(units, unit, markers)) continue;
    const verb = unit.tag.verb;
    if (verb === 'deploy' || verb === 'rollback' || verb === 'approve' || verb === 'deny' || verb === 'status' || verb === 'logs' || verb === 'cost') add(verb);
  }
  if (kinds.length > 0) return kinds;
  const weak =
    words.some((unit) => unit.tag.t === 'verb' && unit.tag.verb === 'statusWeak') ||
    words.some((unit) => isDescriptiveVerb(units, unit, markers)) ||
    (isQuestionClause(units, clause) && words.some((unit) => ['service', 'environment', 'allServices', 'noun', 'unknownService'].includes(unit.tag.t)));
  return weak ? ['status'] : [];
}

function clauses(units: readonly Unit[]): number[] {
  return [...new Set(meaningful(units).map((unit) => unit.clause))];
}

// ---------------------------------------------------------------------------------------------
// Slots
// ---------------------------------------------------------------------------------------------

/** The targets an utterance names, before any filling from context or defaults. */
export interface Slots {
  /** Catalog services named, in order; `typo` when a word was corrected into it. */
  readonly services: ReadonlyArray<{ readonly service: string; readonly typo: boolean; readonly heard: string }>;
  /** Words in a service position that are no catalog service. */
  readonly unknownServices: readonly string[];
  readonly allServices: boolean;
  readonly environments: readonly Environment[];
  /** Environments after "from" in a deploy ("promote api from staging to production"). */
  readonly sourceEnvironments: readonly Environment[];
  readonly unknownEnvironments: ReadonlyArray<{ readonly word: string; readonly suggestion: Environment | null }>;
  readonly allEnvironments: boolean;
  readonly refs: readonly string[];
  /** "the last deployment", "that deploy": a deployment named by noun, not by target. */
  readonly deploymentNoun: boolean;
  /** "it", "that", "this" when said: points at something said before. */
  readonly pronoun: string | null;
}

/** "undo that", "roll it back": pointing at what just happened. */
const POINTING_PRONOUNS: readonly string[] = ['it', 'that', 'this'];

function isPointing(unit: Unit): boolean {
  return (unit.tag.t === 'pronoun' || unit.tag.t === 'determiner') && POINTING_PRONOUNS.includes(unit.text);
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Collects the slots of an analysis. `kind` decides whether "from <env>" is a source. */
export function extractSlots(analysis: Analysis, kind: IntentKind): Slots {
  const units = meaningful(analysis.units);
  const services: Array<{ service: string; typo: boolean; heard: string }> = [];
  for (const [index, unit] of units.entries()) {
    if (unit.tag.t !== 'service' || unit.excluded) continue;
    // "payments api", "web app": a service word right after another service qualifies it.
    const before = units[index - 1];
    if (before?.tag.t === 'service' && before.tag.service !== unit.tag.service && G.SERVICE_QUALIFIERS.includes(unit.text)) continue;
    if (!services.some((known) => known.service === (unit.tag.t === 'service' ? unit.tag.service : ''))) services.push({ service: unit.tag.service, typo: unit.tag.typo, heard: unit.text });
  }
  const environments: Environment[] = [];
  const sourceEnvironments: Environment[] = [];
  for (const unit of units) {
    if (unit.tag.t !== 'environment' || unit.excluded) continue;
    if (unit.source && kind === 'deploy') sourceEnvironments.push(unit.tag.environment);
    else environments.push(unit.tag.environment);
  }
  const unknownEnvironments: Array<{ word: string; suggestion: Environment | null }> = [];
  for (const unit of units) if (unit.tag.t === 'unknownEnvironment' && !unknownEnvironments.some((known) => known.word === unit.text)) unknownEnvironments.push({ word: unit.text, suggestion: unit.tag.suggestion });
  const refs: string[] = [];
  for (const unit of units) if (unit.tag.t === 'ref') refs.push(unit.tag.value);
  return {
    services,
    unknownServices: distinct(units.filter((unit) => unit.tag.t === 'unknownService').map((unit) => unit.text)),
    allServices: units.some((unit) => unit.tag.t === 'allServices'),
    environments: distinct(environments),
    sourceEnvironments: distinct(sourceEnvironments),
    unknownEnvironments,
    allEnvironments: units.some((unit) => unit.tag.t === 'allEnvironments'),
    refs: distinct(refs),
    deploymentNoun: units.some((unit) => unit.tag.t === 'noun' && unit.tag.noun !== 'operation'),
    pronoun: units.find(isPointing)?.text ?? null,
  };
}

/** Whether the conversation context is recent enough (≤ 5 minutes) to fill a slot. */
export function contextIsRecent(context: ConversationContext, now: string | undefined): boolean {
  if (context.updatedAt === null) return false;
  const nowMs = now === undefined ? Date.now() : Date.parse(now);
  const age = nowMs - Date.parse(context.updatedAt);
  return Number.isFinite(age) && age >= -CONTEXT_SKEW_MS && age <= CONTEXT_MAX_AGE_MS;
}

/** A resolved target with where each slot came from, the questions it raises and why. */
export interface Target {
  readonly service: string | null;
  readonly serviceSource: SlotSource | null;
  readonly environment: Environment | null;
  readonly environmentSource: SlotSource | null;
  readonly ref: string | null;
  readonly questions: readonly string[];
  readonly notes: readonly string[];
  /** Confidence deductions for slots that were corrected or filled in. */
  readonly penalty: number;
}

const PENALTY = {
  typo: 0.15,
  typoChange: 0.4,
  serviceFromContext: 0.15,
  serviceFromDefault: 0.1,
  environmentFromContext: 0.1,
} as const;

/**
 * Resolves service, environment and ref for deploy, rollback, status, logs and cost.
 *
 * Service: as named; else (not for cost) the conversation's last service if the context is
 * recent, else the catalog's default; else a question for a change, "all services" for a read.
 * A service named but unknown, "everything", or two services → null and a question; a
 * misspelt one (one edit, ≥ 4 letters) is corrected with a note and a lower confidence.
 *
 * Environment: as named, never guessed. Missing on a change → null and a question. Missing on
 * a read → all environments (null, no question), or the conversation's environment when the
 * user is continuing it (a follow-up, or no service named). The conversation's environment is
 * NEVER used for deploy or rollback: a follow-up must not silently carry "production" from an
 * earlier command into a new change. An unknown word where an environment goes → null and a
 * question naming the word.
 *
 * "Roll back the last deployment" (no service, no environment, a deployment or "it" named)
 * leaves both null with no question: the core takes the target from its history.
 */
export function resolveTarget(kind: IntentKind, slots: Slots, ctx: ParseContext, options: { readonly followUp: boolean }): Target {
  const { catalog, context } = ctx;
  const mutating = isMutatingKind(kind);
  const recent = contextIsRecent(context, ctx.now);
  const questions: string[] = [];
  const notes: string[] = [];
  let penalty = 0;

  let service: string | null = null;
  let serviceSource: SlotSource | null = null;
  // "roll back the last deployment", "undo that", "roll it back": nothing but a pointer.
  const lastDeployment =
    kind === 'rollback' &&
    (slots.deploymentNoun || slots.pronoun !== null) &&
    slots.services.length === 0 &&
    slots.unknownServices.length === 0 &&
    !slots.allServices &&
    slots.environments.length === 0 &&
    slots.unknownEnvironments.length === 0;
  const [named] = slots.services;
  if (lastDeployment) {
    notes.push(NOTES.lastDeployment);
  } else if (slots.services.length > 1) {
    questions.push(`Which service: ${G.spokenList(slots.services.map((entry) => entry.service))}? One at a time, please.`);
    notes.push(`more than one service named: ${slots.services.map((entry) => entry.service).join(', ')}`);
  } else if (named !== undefined) {
    service = named.service;
    serviceSource = 'utterance';
    if (named.typo) {
      notes.push(`service "${named.heard}" read as ${named.service}`);
      penalty += PENALTY.typo;
    }
    if (slots.unknownServices.length > 0) notes.push(`ignored unknown word${slots.unknownServices.length > 1 ? 's' : ''}: ${slots.unknownServices.join(', ')}`);
  } else if (slots.unknownServices.length > 0) {
    const [word = ''] = slots.unknownServices;
    questions.push(`I don't know a service called "${word}". ${serviceQuestion(catalog)}`);
    notes.push(`unknown service "${word}"`);
  } else if (slots.allServices) {
    if (mutating) {
      questions.push(`I change one service at a time. ${serviceQuestion(catalog)}`);
      notes.push('"all services" is not a service');
    } else notes.push('all services');
  } else if (kind === 'cost') {
    notes.push('all services');
  } else if (kind === 'rollback' && slots.deploymentNoun) {
    // "roll back the last deployment in production": which deployment that was is in the
    // history, not in the conversation or the catalog default.
    questions.push(`Which service's deployment? ${serviceQuestion(catalog)}`);
    notes.push('a deployment named without its service');
  } else if (recent && context.lastService !== null && context.lastService in catalog.services) {
    service = context.lastService;
    serviceSource = 'context';
    penalty += PENALTY.serviceFromContext;
    notes.push(`service ${service} from the conversation`);
  } else if (mutating && slots.pronoun !== null) {
    // "deploy it to production" with nothing recent to point at: ask, do not default.
    questions.push(`What is "${slots.pronoun}"? ${serviceQuestion(catalog)}`);
    notes.push(`"${slots.pronoun}" points at nothing recent`);
  } else if (catalog.defaultService !== null) {
    service = catalog.defaultService;
    serviceSource = 'default';
    penalty += PENALTY.serviceFromDefault;
    notes.push(`service ${service} is the catalog default`);
  } else if (mutating) {
    questions.push(serviceQuestion(catalog));
  } else {
    notes.push('all services');
  }

  let environment: Environment | null = null;
  let environmentSource: SlotSource | null = null;
  const [unknownEnvironment] = slots.unknownEnvironments;
  if (lastDeployment) {
    // Both slots come from the deployment history.
  } else if (unknownEnvironment !== undefined) {
    const hint = unknownEnvironment.suggestion === null ? '' : ` (did you mean ${unknownEnvironment.suggestion}?)`;
    questions.push(`I don't know an environment called "${unknownEnvironment.word}"${hint}. ${ENVIRONMENT_QUESTION}`);
    notes.push(`unknown environment "${unknownEnvironment.word}"`);
  } else if (slots.environments.length > 1) {
    questions.push(`Which environment: ${G.spokenList(slots.environments)}? One at a time, please.`);
    notes.push(`more than one environment named: ${slots.environments.join(', ')}`);
  } else if (slots.environments.length === 1) {
    environment = slots.environments[0] ?? null;
    environmentSource = 'utterance';
  } else if (slots.allEnvironments && mutating) {
    questions.push(`I change one environment at a time. ${ENVIRONMENT_QUESTION}`);
    notes.push('"everywhere" is not an environment');
  } else if (mutating) {
    questions.push(ENVIRONMENT_QUESTION);
  } else if (kind !== 'cost' && !slots.allEnvironments && recent && context.lastEnvironment !== null && (options.followUp || serviceSource === 'context')) {
    // Read-only only: the user is continuing the same subject ("what about payments").
    environment = context.lastEnvironment;
    environmentSource = 'context';
    penalty += PENALTY.environmentFromContext;
    notes.push(`environment ${environment} from the conversation`);
  } else {
    notes.push('all environments');
  }
  if (slots.sourceEnvironments.length > 0) notes.push(`from ${slots.sourceEnvironments.join(', ')}: a source, not the target`);

  let ref: string | null = null;
  if (slots.refs.length > 0) {
    if (kind === 'deploy' && slots.refs.length === 1) ref = slots.refs[0] ?? null;
    else if (kind === 'deploy') questions.push(`Which ref: ${G.spokenList(slots.refs)}?`);
    else if (kind === 'rollback') {
      ref = slots.refs[0] ?? null;
      const spoken = `roll back ${service ?? exampleService(catalog)} in ${environment ?? 'staging'}`;
      questions.push(`I can only roll back to the revision before the serving one, not to "${ref}". Say "${spoken}" to do that.`);
    } else notes.push(`ref ${slots.refs.join(', ')} ignored for ${kind}`);
  }
  return { service, serviceSource, environment, environmentSource, ref, questions, notes, penalty };
}

// ---------------------------------------------------------------------------------------------
// Confidence
// ---------------------------------------------------------------------------------------------

/**
 * Confidence scoring, 0..1:
 *   - start at 0.95 for a kind named by a command verb, 0.85 when only a weak word said it
 *     ("check", "is api up", a past tense), 0.8 when the kind came from the conversation;
 *   - minus 0.05 per word the grammar does not know (at most 0.3), unknown service and
 *     environment words included;
 *   - minus 0.15 for a typo-corrected service or read-only verb, 0.4 for a typo-corrected
 *     change verb ("deply" — read back before it runs), 0.15 for a service from the
 *     conversation, 0.1 for the catalog's default service, 0.1 for an environment from the
 *     conversation;
 *   - at most 0.5 when the text holds instruction-like phrases ("ignore previous
 *     instructions"), so the Safety Checker reads the command back (it does below 0.6);
 *   - `unknown` is at most 0.3: 0.3 when the grammar understood and declined (negation,
 *     compound), 0.2 for unrecognised commands with some known words, 0 for nothing at all.
 */
export function scoreConfidence(input: { readonly base: number; readonly unknownWords: number; readonly penalty: number; readonly injection: boolean }): number {
  let score = input.base - Math.min(0.3, 0.05 * input.unknownWords) - input.penalty;
  if (input.injection) score = Math.min(score, 0.5);
  return Math.round(Math.min(1, Math.max(0, score)) * 100) / 100;
}

const UNKNOWN_WORD_TAGS: ReadonlySet<string> = new Set(['word', 'unknownService', 'unknownEnvironment']);

function unknownWordCount(units: readonly Unit[]): number {
  return units.reduce((count, unit) => count + (UNKNOWN_WORD_TAGS.has(unit.tag.t) ? unit.text.split(' ').length : 0), 0);
}

// ---------------------------------------------------------------------------------------------
// The decision
// ---------------------------------------------------------------------------------------------

interface KindDecision {
  readonly kind: IntentKind;
  /** 0.95 strong, 0.85 weak, 0.8 from the conversation; see scoreConfidence. */
  readonly base: number;
  readonly followUp: boolean;
  readonly dryRun: boolean;
  readonly notes: readonly string[];
  /** Set for unknown kinds: what to ask. */
  readonly question: string | null;
  /** For unknown: 0.3 when understood and declined. */
  readonly unknownScore?: number;
  /** Confidence deduction for a typo-corrected verb. */
  readonly penalty?: number;
}

function unknown(notes: string[], question: string, score: number): KindDecision {
  return { kind: 'unknown', base: 0, followUp: false, dryRun: false, notes, question, unknownScore: score };
}

function decideKind(analysis: Analysis, ctx: ParseContext): KindDecision {
  const { units } = analysis;
  const words = meaningful(units);
  const markers: Markers = {
    dryRun: words.some((unit) => unit.tag.t === 'dryRun' && !unit.tag.weak),
    weakDryRun: words.some((unit) => unit.tag.t === 'dryRun' && unit.tag.weak),
  };
  const notes: string[] = [];
  if (words.length === 0) return unknown([NOTES.empty], `What would you like to do? For example "deploy ${exampleService(ctx.catalog)} to staging".`, 0);

  // 1. The kill switch: explicit phrases, a stop verb over everything, or "kill" alone.
  const commandVerbs = words.filter((unit) => isCommandVerb(units, unit, markers));
  const stopVerbs = commandVerbs.filter((unit) => unit.tag.t === 'verb' && unit.tag.verb === 'cancel');
  const killPhrase = words.find((unit) => unit.tag.t === 'kill' && !unit.negated);
  const stopsEverything = stopVerbs.some((stop) =>
    words.some((unit) => unit.clause === stop.clause && (unit.tag.t === 'allServices' || (unit.tag.t === 'noun' && unit.tag.plural))),
  );
  const aloneKill = words.length === 1 && stopVerbs.length === 1 && G.KILL_WORDS_ALONE.includes(stopVerbs[0]?.text ?? '');
  if (killPhrase !== undefined || stopsEverything || aloneKill) {
    return { kind: 'kill', base: 0.95, followUp: false, dryRun: false, notes: [`kill switch: "${killPhrase?.text ?? stopVerbs.map((unit) => unit.text).join(' ')}"`], question: null };
  }

  // 2. Cancel: "stop", "cancel the deploy", "never mind" — even next to other verbs.
  if (stopVerbs.length > 0 || words.some((unit) => unit.tag.t === 'cancelPhrase' && !unit.negated)) {
    return { kind: 'cancel', base: 0.95, followUp: false, dryRun: false, notes, question: null };
  }

  // 3. Negation: "do not deploy" is never a deploy. With a dry-run marker ("don't deploy,
  //    just show me the plan") the negated change is planned, not run.
  const negated = words.filter((unit) => unit.negated);
  if (negated.length > 0) {
    const negatedKinds = distinct(
      negated.flatMap((unit): string[] => {
        if (unit.tag.t === 'verb' && unit.tag.verb === 'launch') return nounKinds(inClause(units, unit.clause));
        return unit.tag.t === 'verb' ? [unit.tag.verb] : ['kill'];
      }),
    );
    const positiveChanges = commandVerbs.filter((unit) => unit.tag.t === 'verb' && (unit.tag.verb === 'deploy' || unit.tag.verb === 'rollback'));
    const [only] = negatedKinds;
    const plannable = (only === 'deploy' || only === 'rollback') && negatedKinds.length === 1 && positiveChanges.every((unit) => unit.tag.t === 'verb' && unit.tag.verb === only);
    if ((markers.dryRun || markers.weakDryRun) && plannable) {
      return { kind: only, base: 0.85, followUp: false, dryRun: true, notes: [`${NOTES.dryRun}: the negated ${only} is planned, not run`], question: null };
    }
    const first = negated[0];
    const said = first?.tag.t === 'verb' ? first.tag.verb : 'kill';
    const answer = NEGATED_ANSWERS[said] ?? 'Not doing that.';
    return unknown([`${NOTES.negated}: "${first?.text ?? ''}"`], `${answer} What would you like to do?`, 0.3);
  }

  // 4. Compound: two clauses that ask for different things ("deploy api to staging and
  //    payments to production", "deploy and then roll back"). Safer to ask than half-do.
  const perClause = clauses(units).map((clause) => {
    const clauseUnits = inClause(units, clause);
    return {
      kinds: clauseKinds(units, clause, markers),
      services: distinct(clauseUnits.flatMap((unit) => (unit.tag.t === 'service' && !unit.excluded ? [unit.tag.service] : []))),
      environments: distinct(clauseUnits.flatMap((unit) => (unit.tag.t === 'environment' && !unit.excluded && !unit.source ? [unit.tag.environment] : []))),
    };
  });
  const withContent = perClause.filter((clause) => clause.kinds.length + clause.services.length + clause.environments.length > 0);
  const allKinds = distinct(perClause.flatMap((clause) => clause.kinds));
  if (withContent.length >= 2) {
    const servicesSeen = distinct(withContent.flatMap((clause) => clause.services));
    const environmentsSeen = distinct(withContent.flatMap((clause) => clause.environments));
    if (allKinds.length > 1 || servicesSeen.length > 1 || environmentsSeen.length > 1) {
      return unknown(
        [`${NOTES.compound}: ${withContent.length} commands in one`],
        `That is more than one command. Please give me one at a time, e.g. "deploy ${exampleService(ctx.catalog)} to staging".`,
        0.3,
      );
    }
  }

  const dryRun = markers.dryRun;
  const typos = commandVerbs.filter((unit) => unit.tag.t === 'verb' && unit.tag.typo === true);
  for (const unit of typos) if (unit.tag.t === 'verb') notes.push(`"${unit.text}" read as ${unit.tag.verb}`);
  const injection = words.filter((unit) => unit.tag.t === 'injection');
  if (injection.length > 0) notes.push(`${NOTES.injection}: "${injection.map((unit) => unit.text).join('", "')}"`);
  const overrides = words.filter((unit) => unit.tag.t === 'override');
  if (overrides.length > 0) notes.push(`${NOTES.override}: "${overrides.map((unit) => unit.text).join('", "')}" changes nothing — approvals and checks come from the safety policy`);

  // 5. Approve and deny.
  const approve = allKinds.includes('approve');
  const deny = allKinds.includes('deny');
  if (approve && deny) return unknown([`${NOTES.conflicting}: approve and deny`], 'Do you want to approve or deny?', 0.3);
  if (approve || deny) return { kind: approve ? 'approve' : 'deny', base: 0.95, followUp: false, dryRun: false, notes, question: null, penalty: typos.length > 0 ? PENALTY.typo : 0 };

  // 6. Changes and reads. A read verb wins over a change in the same clause ("show me the
  //    deploy logs"): reading more than asked is harmless, changing is not.
  const changes = allKinds.filter((kind) => kind === 'deploy' || kind === 'rollback');
  const reads = allKinds.filter((kind) => READ_KINDS.includes(kind));
  // Weak: only "check", "is api up" or a past tense said what to do.
  const strong = markers.dryRun || commandVerbs.some((unit) => unit.tag.t === 'verb' && unit.tag.verb !== 'statusWeak');
  if (changes.length > 1) return unknown([`${NOTES.conflicting}: ${changes.join(' and ')}`], 'Do you want to deploy or roll back?', 0.3);
  const [read] = reads;
  const [change] = changes;
  const mutatingMarked = markers.weakDryRun && change !== undefined;
  if (read !== undefined) {
    const changeWord = commandVerbs.find((unit) => unit.tag.t === 'verb' && (unit.tag.verb === 'deploy' || unit.tag.verb === 'rollback'))?.text ?? change;
    if (change !== undefined) notes.push(`read-only: "${changeWord}" read as what to look at, not as a command`);
    if (reads.length > 1) notes.push(`read ${read}; also mentioned ${reads.slice(1).join(', ')}`);
    return { kind: read, base: strong ? 0.95 : 0.85, followUp: false, dryRun, notes, question: null, penalty: typos.length > 0 ? PENALTY.typo : 0 };
  }
  if (change !== undefined) {
    // A change read from a misspelt verb is read back before it runs (below 0.6).
    const penalty = typos.length > 0 ? PENALTY.typoChange : 0;
    return { kind: change, base: strong ? 0.95 : 0.85, followUp: false, dryRun: dryRun || mutatingMarked, notes, question: null, penalty };
  }

  // 7. No verb: a follow-up of the previous command ("what about payments", "and staging?").
  const slots = extractSlots(analysis, 'status');
  const hasTarget = slots.services.length + slots.environments.length + slots.unknownServices.length + slots.unknownEnvironments.length > 0;
  const followUpMarked = words.some((unit) => unit.tag.t === 'followUp') || units[0]?.tag.t === 'conjunction';
  if (hasTarget || followUpMarked) {
    const { context } = ctx;
    const lastKind = context.lastKind;
    if (contextIsRecent(context, ctx.now) && lastKind !== null && READ_KINDS.includes(lastKind)) {
      return { kind: lastKind, base: 0.8, followUp: true, dryRun, notes: [...notes, `follow-up: ${lastKind} as before`], question: null };
    }
    const recent = contextIsRecent(context, ctx.now);
    const remembered = recent && context.lastService !== null && context.lastService in ctx.catalog.services ? context.lastService : null;
    const named = slots.services[0]?.service ?? slots.unknownServices[0] ?? null;
    if (recent && (lastKind === 'deploy' || lastKind === 'rollback')) {
      const spoken = SPOKEN_KIND[lastKind];
      const target = named ?? remembered ?? exampleService(ctx.catalog);
      const where = slots.environments[0] ?? 'staging';
      return unknown(
        [`${NOTES.followUpOfChange}: a change is never repeated from a fragment`],
        `Do you want to ${spoken.verb} ${target}? Please say the whole command, e.g. "${spoken.verb} ${target} ${spoken.preposition} ${where}".`,
        0.3,
      );
    }
    const question = named === null ? unknownQuestion(ctx.catalog) : `What would you like to do with ${named}? For example "status of ${named}" or "deploy ${named} to staging".`;
    return unknown([...notes, 'no command verb'], question, 0.2);
  }
  return unknown([...notes, 'no command verb'], unknownQuestion(ctx.catalog), words.some((unit) => unit.tag.t !== 'word') ? 0.2 : 0.1);
}

/** Parses one utterance with the grammar. Never throws for any text. */
export function parseIntent(text: string, ctx: ParseContext): Intent {
  const analysis = analyseUtterance(text, ctx.catalog);
  const decision = decideKind(analysis, ctx);
  const injection = analysis.units.some((unit) => unit.tag.t === 'injection');
  const base = {
    dryRun: decision.dryRun,
    parser: 'grammar' as const,
    normalizedText: analysis.normalizedText,
  };
  const notes = [...decision.notes];
  if (decision.dryRun && !notes.some((note) => note.startsWith(NOTES.dryRun))) notes.push(NOTES.dryRun);
  const unknownWords = unknownWordCount(analysis.units);

  if (decision.kind === 'unknown') {
    return IntentSchema.parse({
      ...base,
      kind: 'unknown',
      service: null,
      serviceSource: null,
      environment: null,
      environmentSource: null,
      ref: null,
      approvalId: null,
      confidence: Math.min(decision.unknownScore ?? 0.2, 0.3),
      question: decision.question,
      notes,
    });
  }

  if (decision.kind === 'approve' || decision.kind === 'deny' || decision.kind === 'cancel' || decision.kind === 'kill') {
    const approvalUnit = analysis.units.find((unit) => unit.tag.t === 'approvalId');
    const approvalId = approvalUnit?.tag.t === 'approvalId' ? approvalUnit.tag.value : null;
    const needsId = (decision.kind === 'approve' || decision.kind === 'deny') && approvalId === null;
    return IntentSchema.parse({
      ...base,
      kind: decision.kind,
      service: null,
      serviceSource: null,
      environment: null,
      environmentSource: null,
      ref: null,
      approvalId: decision.kind === 'approve' || decision.kind === 'deny' ? approvalId : null,
      confidence: scoreConfidence({ base: decision.base, unknownWords, penalty: decision.penalty ?? 0, injection }),
      question: needsId ? `Which approval? Say "${decision.kind}" followed by its id.` : null,
      notes,
    });
  }

  const target = resolveTarget(decision.kind, extractSlots(analysis, decision.kind), ctx, { followUp: decision.followUp });
  return IntentSchema.parse({
    ...base,
    kind: decision.kind,
    service: target.service,
    serviceSource: target.serviceSource,
    environment: target.environment,
    environmentSource: target.environmentSource,
    ref: target.ref,
    approvalId: null,
    confidence: scoreConfidence({ base: decision.base, unknownWords, penalty: target.penalty + (decision.penalty ?? 0), injection }),
    question: target.questions.length === 0 ? null : target.questions.join(' '),
    notes: [...notes, ...target.notes],
  });
}
