/**
 * The Hey Ops command grammar, as data.
 *
 * Every word or phrase the Intent Parser understands is in a table here; the parser's code only
 * says how the tables combine. That keeps the grammar reviewable in one place and lets a later
 * step generate a speech-recognition grammar (JSGF) from the same tables: `grammarPhrases()`
 * lists every phrase per category, `verbForms()` expands a verb into the forms people say and
 * `servicePhrases()` gives the catalog's names and aliases as they are spoken.
 *
 * Conventions: phrases are lower case, words separated by single spaces, contractions written
 * out ("do not", not "don't": the normaliser expands contractions first). A multi-word phrase
 * also matches its hyphenated spelling ("dry run" matches "dry-run").
 */
import type { Catalog } from '../../../common/config.ts';
import { ENVIRONMENTS, type Environment } from '../../../common/messages.ts';

// ---------------------------------------------------------------------------------------------
// Around the command: wake phrase, fillers, politeness
// ---------------------------------------------------------------------------------------------

/** Said before the command; stripped only at the very start. Includes common mishearings. */
export const WAKE_PHRASES: readonly string[] = [
  'hey ops',
  'hey op',
  'hay ops',
  'hey hops',
  'hey opps',
  'hi ops',
  'hello ops',
  'ok ops',
  'okay ops',
  'yo ops',
  'ops',
];

/** Politeness and hesitation: carry no meaning, removed from the normalised text. */
export const FILLER_PHRASES: readonly string[] = [
  'please',
  'pls',
  'plz',
  'kindly',
  'can you',
  'could you',
  'would you',
  'will you',
  'can we',
  'could we',
  'would you mind',
  'would you be so kind as to',
  'i want to',
  'i want you to',
  'i would like to',
  'i would like you to',
  'i need to',
  'i need you to',
  'we need to',
  'we want to',
  'we should',
  'let us',
  'go ahead and',
  'go and',
  'try to',
  'if you can',
  'if you could',
  'for me',
  'for us',
  'um',
  'umm',
  'uh',
  'uhh',
  'uhm',
  'er',
  'erm',
  'hmm',
  'ah',
  'oh',
  'hey',
  'yo',
  'okay',
  'ok',
  'alright',
  'all right',
  'so',
  'well',
  'just',
  'now',
  'right now',
  'quickly',
  'real quick',
  'asap',
  'thanks',
  'thank you',
  'cheers',
];

/** Contractions and run-together spellings, expanded before anything else is matched. */
export const CONTRACTIONS: Readonly<Record<string, string>> = {
  "don't": 'do not',
  dont: 'do not',
  "doesn't": 'does not',
  "didn't": 'did not',
  "can't": 'can not',
  cannot: 'can not',
  "won't": 'will not',
  "wouldn't": 'would not',
  "shouldn't": 'should not',
  "mustn't": 'must not',
  "isn't": 'is not',
  "aren't": 'are not',
  "wasn't": 'was not',
  "weren't": 'were not',
  "let's": 'let us',
  "what's": 'what is',
  whats: 'what is',
  "how's": 'how is',
  hows: 'how is',
  "where's": 'where is',
  "that's": 'that is',
  "it's": 'it is',
  "there's": 'there is',
  "who's": 'who is',
  "i'm": 'i am',
  "i'd": 'i would',
  "we'd": 'we would',
  "you'd": 'you would',
  "i've": 'i have',
  "we've": 'we have',
  "i'll": 'i will',
  "we'll": 'we will',
  wanna: 'want to',
  gonna: 'going to',
  gotta: 'got to',
};

// ---------------------------------------------------------------------------------------------
// Verbs: what the user wants done
// ---------------------------------------------------------------------------------------------

/** The grammar's verb classes: the intent kinds plus two helpers (weak status, launchers). */
export type VerbClass = 'deploy' | 'rollback' | 'status' | 'statusWeak' | 'logs' | 'cost' | 'approve' | 'deny' | 'cancel' | 'launch';

/**
 * Command verbs and verb phrases, base forms. `verbForms()` adds "ships", "shipped",
 * "shipping". A verb in its past or third-person form ("what was deployed") describes rather
 * than commands, and is read as a status question (see the parser).
 */
export const VERBS: Readonly<Record<VerbClass, readonly string[]>> = {
  deploy: [
    'deploy',
    'redeploy',
    're deploy',
    'ship',
    'ship out',
    'push',
    'push out',
    'release',
    'roll out',
    'promote',
    'launch',
    'put',
    'send',
    'move',
    'publish',
    'update',
    'upgrade',
  ],
  rollback: ['roll back', 'rollback', 'revert', 'undo', 'back out', 'downgrade', 'go back', 'restore'],
  status: ['status', 'health', 'healthy', 'healthcheck', 'health check', 'uptime', 'state', 'availability'],
  /** Only mean "status" when nothing more specific was said ("check the logs" is logs). */
  statusWeak: ['check', 'check on', 'how is', 'how are', 'how was', 'how did', 'up', 'down', 'running', 'alive', 'working', 'doing', 'going on', 'look at', 'monitor'],
  logs: [
    'logs',
    'log',
    'logging',
    'errors',
    'error',
    'error logs',
    'exceptions',
    'exception',
    'failing',
    'failures',
    'failure',
    'failed',
    'fail',
    'fails',
    'crashing',
    'crashes',
    'crashed',
    'broken',
    'what went wrong',
    'stack trace',
    'stack traces',
    'tail',
    'warnings',
  ],
  cost: ['cost', 'costs', 'costing', 'spend', 'spending', 'spent', 'how much', 'bill', 'bills', 'invoice', 'expenses', 'expense', 'price', 'pricing', 'money', 'dollars', 'charges', 'burn rate', 'pay', 'paying', 'paid'],
  approve: ['approve', 'accept', 'confirm', 'allow', 'sign off', 'sign off on', 'grant', 'lgtm', 'green light', 'greenlight'],
  deny: ['deny', 'reject', 'decline', 'refuse', 'veto', 'turn down', 'disapprove'],
  /** The stop family: alone, or with a single operation as object, they cancel. */
  cancel: ['cancel', 'stop', 'abort', 'halt', 'terminate', 'kill', 'interrupt', 'call off'],
  /** "start a deployment", "kick off a rollback": the noun says which. */
  launch: ['start', 'trigger', 'kick off', 'run', 'do', 'perform', 'begin', 'initiate', 'execute', 'make', 'go for', 'fire off'],
};

/** Status words said after the service ("is api up", "how is payments doing"). */
export const STATUS_WORDS_AFTER_SERVICE: readonly string[] = ['up', 'down', 'running', 'alive', 'working', 'doing', 'going on'];

/** Verb classes whose words are typo-corrected ("deply" → deploy), and the minimum length. */
export const TYPO_CORRECTED_VERBS: readonly VerbClass[] = ['deploy', 'rollback', 'status', 'logs', 'cost', 'approve', 'deny', 'cancel'];
export const VERB_TYPO_MIN_LENGTH = 5;

/** Verb classes whose past or third-person forms describe (status) instead of command. */
export const COMMAND_ONLY_IN_BASE_FORM: readonly VerbClass[] = ['deploy', 'rollback', 'approve', 'deny', 'cancel', 'launch'];

/** Verb forms English spelling rules get wrong. Keyed by the base word. */
export const IRREGULAR_FORMS: Readonly<Record<string, { s?: readonly string[]; ed?: readonly string[]; ing?: readonly string[] }>> = {
  put: { ed: [] },
  undo: { s: ['undoes'], ed: ['undid', 'undone'], ing: ['undoing'] },
  send: { ed: ['sent'] },
  do: { s: ['does'], ed: ['did', 'done'], ing: ['doing'] },
  run: { ed: ['ran'], ing: ['running'] },
  begin: { ed: ['began', 'begun'], ing: ['beginning'] },
  make: { ed: ['made'] },
  go: { s: ['goes'], ed: ['went', 'gone'], ing: ['going'] },
  spend: { ed: ['spent'] },
};

/** Short verbs whose last consonant doubles ("shipped", "stopping"). */
export const DOUBLING_VERBS: readonly string[] = ['ship', 'stop', 'put', 'plan'];

/** The forms of one verb phrase: its first word inflected, the rest kept ("rolled back"). */
export interface VerbForms {
  readonly base: readonly string[];
  /** Third person: "ships". Also plural nouns ("deploys") in speech. */
  readonly s: readonly string[];
  /** Past tense and participle: "shipped", "rolled back". */
  readonly ed: readonly string[];
  /** Gerund: "shipping". */
  readonly ing: readonly string[];
}

/** Inflects a verb phrase's first word by the usual English spelling rules and the table above. */
export function verbForms(phrase: string): VerbForms {
  const [head = '', ...rest] = phrase.split(' ');
  const tail = rest.length === 0 ? '' : ` ${rest.join(' ')}`;
  const irregular = IRREGULAR_FORMS[head];
  const doubled = DOUBLING_VERBS.includes(head) ? head + head.slice(-1) : head;
  const stem = head.endsWith('e') && !head.endsWith('ee') ? head.slice(0, -1) : head;
  const s = irregular?.s ?? [/(s|sh|ch|x|z|o)$/.test(head) ? `${head}es` : /[^aeiou]y$/.test(head) ? `${head.slice(0, -1)}ies` : `${head}s`];
  const ed = irregular?.ed ?? [head.endsWith('e') ? `${head}d` : /[^aeiou]y$/.test(head) ? `${head.slice(0, -1)}ied` : `${doubled}ed`];
  const ing = irregular?.ing ?? [`${head.endsWith('e') && !head.endsWith('ee') ? stem : doubled}ing`];
  const withTail = (words: readonly string[]): string[] => words.map((word) => word + tail);
  return { base: [phrase], s: withTail(s), ed: withTail(ed), ing: withTail(ing) };
}

/**
 * Verbs whose particle may come after the object: "roll api back", "back payments out".
 * The particle must follow within `SEPARABLE_VERB_REACH` words of the same clause.
 */
export const SEPARABLE_VERBS: ReadonlyArray<{ readonly head: string; readonly particle: string; readonly verb: 'deploy' | 'rollback' }> = [
  { head: 'roll', particle: 'back', verb: 'rollback' },
  { head: 'roll', particle: 'out', verb: 'deploy' },
  { head: 'back', particle: 'out', verb: 'rollback' },
  { head: 'ship', particle: 'out', verb: 'deploy' },
  { head: 'push', particle: 'out', verb: 'deploy' },
];
export const SEPARABLE_VERB_REACH = 4;

/**
 * Words that turn a following past participle into a command: "I want api deployed to
 * staging", "get payments rolled back". Not at the start of a question ("did you get...").
 */
export const DESIRE_WORDS: readonly string[] = ['want', 'wants', 'need', 'needs', 'like', 'get', 'gets', 'make sure', 'have'];

/** A clause starting with one of these is a question: its descriptive verbs ask for status. */
export const QUESTION_STARTERS: readonly string[] = ['is', 'are', 'was', 'were', 'did', 'does', 'has', 'have', 'what', 'which', 'when', 'who', 'why', 'where', 'how'];

// ---------------------------------------------------------------------------------------------
// Emergency stop and cancel
// ---------------------------------------------------------------------------------------------

/**
 * Phrases that engage the kill switch wherever they appear. A stop verb over everything or
 * over plural operations ("stop all deploys", "halt the deployments") engages it too. A stop
 * verb over one operation ("stop deploying", "cancel the deploy") only cancels the user's
 * latest operation: stopping what you started must not freeze everyone else's work.
 */
export const KILL_PHRASES: readonly string[] = [
  'emergency stop',
  'emergency halt',
  'emergency shutdown',
  'emergency brake',
  'kill switch',
  'killswitch',
  'kill all',
  'kill everything',
  'panic button',
  'red button',
  'big red button',
  'pull the plug',
  'stop the world',
  'all stop',
  'e stop',
  'estop',
  'mayday',
  'shut it all down',
  'shut everything down',
  'shut down everything',
  'stop everything',
  'halt everything',
  'halt all',
  'stop all',
  'freeze all',
  'freeze everything',
  'freeze deployments',
];

/** Stop-family words that engage the kill switch when they are the whole command. */
export const KILL_WORDS_ALONE: readonly string[] = ['kill', 'halt', 'freeze'];

/** Phrases that cancel the user's latest operation (plain "stop" and "cancel" are verbs above). */
export const CANCEL_PHRASES: readonly string[] = ['never mind', 'nevermind', 'forget it', 'forget that', 'scratch that', 'not now', 'no thanks', 'belay that'];

// ---------------------------------------------------------------------------------------------
// Environments
// ---------------------------------------------------------------------------------------------

/**
 * What people call each environment. Only unambiguous words: "pre-prod", "uat" and "qa" are
 * separate environments in many companies, so they are NOT mapped to staging — they are
 * unknown environments and the parser asks.
 */
export const ENVIRONMENT_SYNONYMS: Readonly<Record<Environment, readonly string[]>> = {
  dev: ['dev', 'development', 'develop', 'devel'],
  staging: ['staging', 'stage', 'stg'],
  production: ['production', 'prod', 'prd', 'live'],
};

/**
 * Environment names that are not ours. Multi-word ones matter: "pre prod" must never be read
 * as "prod". Any of these in a command makes the parser ask which environment was meant.
 */
export const UNKNOWN_ENVIRONMENT_WORDS: readonly string[] = [
  'qa',
  'uat',
  'preprod',
  'pre prod',
  'pre production',
  'preproduction',
  'non prod',
  'nonprod',
  'non production',
  'prod like',
  'production like',
  'sandbox',
  'localhost',
];

/** Nouns after an environment name ("the staging environment"). */
export const ENVIRONMENT_NOUNS: readonly string[] = ['environment', 'environments', 'env', 'envs', 'cluster'];

/** "Everywhere": a mutating command must name one environment. */
export const ALL_ENVIRONMENTS_PHRASES: readonly string[] = ['everywhere', 'all environments', 'every environment', 'all envs', 'all the environments', 'each environment'];

/** Prepositions after which an unknown word is taken as an environment ("deploy api to qa"). */
export const ENVIRONMENT_PREPOSITIONS: readonly string[] = ['to', 'into', 'onto', 'in', 'on'];
/** Of those, the ones that point at a destination whatever follows them. */
export const DESTINATION_PREPOSITIONS: readonly string[] = ['to', 'into', 'onto'];
/** "promote api from staging to production": the environment after these is the source. */
export const SOURCE_PREPOSITIONS: readonly string[] = ['from'];

// ---------------------------------------------------------------------------------------------
// Services (the catalog supplies names and aliases)
// ---------------------------------------------------------------------------------------------

/** Nouns after a service name ("the payments service"). */
export const SERVICE_NOUNS: readonly string[] = ['service', 'services', 'svc', 'app', 'apps', 'application', 'microservice', 'server'];

/** "payments api", "web app": a second service word right after a service only qualifies it. */
export const SERVICE_QUALIFIERS: readonly string[] = ['api', 'app', 'server', 'service', 'backend', 'frontend'];

/** Not a service: a mutating command must name one; read-only ones read all. */
export const ALL_SERVICES_PHRASES: readonly string[] = [
  'everything',
  'all',
  'all services',
  'all the services',
  'all of the services',
  'all of them',
  'every service',
  'each service',
  'all apps',
  'the whole stack',
  'the entire stack',
  'the whole thing',
  'whole stack',
  'all of it',
  'it all',
];

/**
 * Common words never typo-corrected into a service name even when they are one edit away
 * ("part" is not "cart").
 */
export const NOT_TYPOS: readonly string[] = ['part', 'card', 'care', 'case', 'cast', 'carts', 'what', 'that', 'this', 'them', 'then', 'than', 'when', 'with', 'work', 'word', 'were', 'wear', 'size', 'side', 'sign', 'sites', 'jobs', 'apis', 'mean', 'make', 'take', 'time', 'long', 'last', 'late', 'play', 'pays', 'lobs', 'speed', 'except', 'expect', 'grand', 'lunch', 'cancer', 'states', 'revery', 'reverse', 'deploy'];

/** Names this short may be spelled out letter by letter ("a p i"). */
export const SPELLED_NAME_MAX_LENGTH = 3;

/** Spoken forms of a catalog's services: name, name with spaces for hyphens, spelled, aliases. */
export function servicePhrases(catalog: Catalog): Record<string, string[]> {
  const phrases: Record<string, string[]> = {};
  for (const [name, entry] of Object.entries(catalog.services)) {
    const spelled = /^[a-z]+$/.test(name) && name.length <= SPELLED_NAME_MAX_LENGTH ? [name.split('').join(' ')] : [];
    const spoken = new Set([name, name.replaceAll('-', ' '), ...entry.aliases.map((alias) => alias.toLowerCase().trim().replace(/\s+/g, ' ')), ...spelled]);
    phrases[name] = [...spoken];
  }
  return phrases;
}

// ---------------------------------------------------------------------------------------------
// Dry run, negation, overrides, injection
// ---------------------------------------------------------------------------------------------

/** Ask for a plan without carrying it out. */
export const DRY_RUN_PHRASES: readonly string[] = [
  'what would happen if',
  'what would happen when',
  'what would happen',
  'what happens if',
  'what happens when',
  'what if',
  'show me what would happen',
  'show what would happen',
  'tell me what would happen',
  'simulate',
  'simulation',
  'preview',
  'dry run',
  'dryrun',
  'plan',
  'plan out',
  'make a plan',
  'show me the plan',
  'show the plan',
  'just the plan',
  'what is the plan',
  'what would it take',
  'what would it look like',
  'pretend to',
  'hypothetically',
  'do not actually',
  'do not really',
  'without actually',
  'not for real',
  'do not run it',
  'do not run anything',
  'do not execute',
  'do not execute it',
  'do not do it',
  'do not do anything',
  'do not change anything',
  'do not make any changes',
  'without running it',
  'without executing',
  'without executing it',
  'without applying',
  'without making changes',
  'without changing anything',
  'no changes',
];

/** Weaker dry-run markers: questions about doing a change ("should I deploy api?"). */
export const DRY_RUN_QUESTION_PHRASES: readonly string[] = ['should i', 'should we', 'is it safe to', 'would it be safe to', 'would it be ok to', 'is it ok to'];

/**
 * Negation and exclusion. Before a command verb it negates the command ("do not deploy");
 * before a service or environment it excludes it ("deploy to staging, not production",
 * "everything except payments" — which then still names no single service). Longer phrases that
 * start the same way and mean something else ("do not actually" = dry run, "never mind" =
 * cancel) are in their own tables and win by being longer.
 */
export const NEGATION_PHRASES: readonly string[] = [
  'do not',
  'does not',
  'not',
  'never',
  'can not',
  'will not',
  'should not',
  'must not',
  'no need to',
  'do not want to',
  'i do not want to',
  'do not actually want to',
  'without',
  'except',
  'except for',
  'but not',
  'other than',
  'apart from',
  'excluding',
  'besides',
  'not including',
  'refrain from',
  'avoid',
  'hold off on',
  'stop yourself from',
];

/**
 * Words that may stand between a negation and the verb it negates for free ("do not even try
 * to deploy"); up to `NEGATION_REACH` other words may too ("do not think about deploying").
 */
export const NEGATION_GAP_WORDS: readonly string[] = [
  'you',
  'i',
  'we',
  'even',
  'ever',
  'go',
  'ahead',
  'try',
  'to',
  'want',
  'dare',
  'please',
  'yet',
  'really',
  'be',
  'further',
  'hit',
  'press',
  'use',
  'touch',
  'engage',
  'activate',
  'flip',
  'pull',
];
export const NEGATION_REACH = 4;

/**
 * Words that ask to weaken safety. They change nothing: approval, tests and limits come from
 * the policy, never from the command. The parser notes them.
 */
export const OVERRIDE_PHRASES: readonly string[] = [
  'without approval',
  'without an approval',
  'without approvals',
  'without asking',
  'without confirmation',
  'without confirming',
  'without review',
  'skip approval',
  'skip the approval',
  'skip approvals',
  'skip the approvals',
  'no approval',
  'no approvals',
  'no approval needed',
  'bypass approval',
  'bypass the approval',
  'bypass approvals',
  'bypass safety',
  'bypass the safety checks',
  'skip safety checks',
  'skip the safety checks',
  'skip checks',
  'skip the checks',
  'skip tests',
  'skip the tests',
  'without tests',
  'without testing',
  'without running tests',
  'no tests',
  'force',
  'forced',
  'forcefully',
  'force it',
  'override',
  'ignore the rules',
  'ignore safety',
  'ignore the limits',
  'ignore the rate limit',
  'auto approve',
  'autoapprove',
  'already approved',
  'pre approved',
  'preapproved',
  'as admin',
  'sudo',
  'yolo',
];

/**
 * Text aimed at a language model rather than at ops ("ignore previous instructions"). Seeing
 * any of it caps the confidence so a person reads the command back; it never changes a slot.
 */
export const INJECTION_PHRASES: readonly string[] = [
  'ignore previous instructions',
  'ignore all previous instructions',
  'ignore the previous instructions',
  'ignore prior instructions',
  'ignore your instructions',
  'ignore all instructions',
  'ignore the above',
  'ignore everything above',
  'ignore',
  'disregard',
  'disregard previous instructions',
  'disregard all previous instructions',
  'forget your instructions',
  'forget previous instructions',
  'new instructions',
  'instructions',
  'instruction',
  'system prompt',
  'prompt',
  'you are now',
  'act as',
  'pretend you are',
  'pretend to be',
  'developer mode',
  'jailbreak',
  'do anything now',
];

// ---------------------------------------------------------------------------------------------
// Targets of a command that are not service or environment
// ---------------------------------------------------------------------------------------------

/** Nouns for an operation; after a determiner "deploy" and "release" are nouns too. */
export const OPERATION_NOUNS: Readonly<Record<'deploy' | 'rollback' | 'operation', { readonly singular: readonly string[]; readonly plural: readonly string[] }>> = {
  deploy: {
    singular: ['deployment', 'deploy', 'release', 'rollout', 'roll out', 'push', 'change', 'update', 'upgrade'],
    plural: ['deployments', 'deploys', 'releases', 'rollouts', 'changes', 'updates', 'upgrades'],
  },
  rollback: { singular: ['rollback', 'roll back', 'revert'], plural: ['rollbacks', 'reverts'] },
  operation: { singular: ['operation', 'run', 'pipeline'], plural: ['operations', 'pipelines'] },
};

/** "the last deployment", "my previous deploy": for a rollback, the last one in history. */
export const LAST_WORDS: readonly string[] = ['last', 'latest', 'previous', 'most recent', 'recent', 'prior', 'current', 'new', 'newest', 'bad'];

export const DETERMINERS: readonly string[] = ['the', 'a', 'an', 'our', 'my', 'your', 'this', 'that', 'these', 'those', 'its', 'their', 'some', 'any'];
/** Pronouns that point back at what was just talked about ("roll it back"). */
export const PRONOUNS: readonly string[] = ['it', 'that', 'this', 'them', 'those', 'same'];
export const PREPOSITIONS: readonly string[] = ['to', 'into', 'onto', 'in', 'on', 'at', 'for', 'of', 'from', 'over', 'across', 'within', 'with', 'towards', 'toward', 'inside', 'about', 'by'];

/** Split a command into clauses; more than one clause with its own target is a compound. */
export const CONJUNCTIONS: readonly string[] = ['and', 'and then', 'then', 'after that', 'afterwards', 'also', 'plus', 'as well as', 'followed by', 'and also', 'or', 'but'];

/** Follow-ups that reuse the previous command's kind: "what about payments". */
export const FOLLOW_UP_PHRASES: readonly string[] = ['what about', 'how about', 'and what about', 'same for', 'same thing for', 'do the same for', 'same with', 'and for', 'now for', 'also for', 'what of'];

// ---------------------------------------------------------------------------------------------
// Refs and approval ids
// ---------------------------------------------------------------------------------------------

/** Words that introduce a git ref. "version" takes numbers (also spoken: "one point four"). */
export const REF_KEYWORDS: Readonly<Record<'version' | 'tag' | 'commit' | 'branch', readonly string[]>> = {
  version: ['version', 'ver', 'v'],
  tag: ['tag', 'tagged'],
  commit: ['commit', 'sha', 'hash', 'revision', 'rev'],
  branch: ['branch'],
};
/** Commit keywords that take only a hexadecimal sha ("commit abc1234"). */
export const COMMIT_KEYWORDS_HEX_ONLY: readonly string[] = ['commit', 'sha', 'hash'];
/** Prepositions that introduce a ref when a ref-like word follows ("from main", "at abc1234"). */
export const REF_PREPOSITIONS: readonly string[] = ['from', 'at', 'off'];
/** Branch names that are refs on their own ("deploy main to staging"). */
export const BRANCH_WORDS: readonly string[] = ['main', 'master', 'trunk', 'head'];

/** Words between approve/deny and the id ("approve request 3f2a9c"). */
export const APPROVAL_ID_KEYWORDS: readonly string[] = ['request', 'approval', 'id', 'number', 'no', 'ticket'];

/** Spoken digits and numbers, for versions ("one point four") and ids ("three f two a"). */
export const NUMBER_WORDS: Readonly<Record<string, number>> = {
  zero: 0,
  oh: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
/** The decimal point in a spoken version. */
export const NUMBER_POINT_WORDS: readonly string[] = ['point', 'dot'];

// ---------------------------------------------------------------------------------------------
// Other words the grammar knows (they do not lower confidence)
// ---------------------------------------------------------------------------------------------

export const KNOWN_WORDS: readonly string[] = [
  'i',
  'me',
  'we',
  'us',
  'you',
  'show',
  'tell',
  'give',
  'see',
  'list',
  'display',
  'view',
  'fetch',
  'pull',
  'read',
  'find',
  'what',
  'which',
  'when',
  'where',
  'who',
  'why',
  'how',
  'is',
  'are',
  'was',
  'were',
  'be',
  'been',
  'being',
  'am',
  'did',
  'does',
  'done',
  'there',
  'here',
  'right',
  'currently',
  'today',
  'yesterday',
  'tonight',
  'happening',
  'happened',
  'would',
  'will',
  'could',
  'should',
  'can',
  'may',
  'might',
  'must',
  'if',
  'because',
  'about',
  'again',
  'too',
  'only',
  'thing',
  'things',
  'stuff',
  'one',
  'build',
  'code',
  'looking',
  'please',
  'week',
  'weeks',
  'day',
  'days',
  'hour',
  'hours',
  'minute',
  'minutes',
  'month',
  'months',
  'past',
  'since',
  'so',
  'far',
  'much',
  'many',
  'take',
  'look',
  'ready',
  'safe',
  'okay',
  'ok',
  'fine',
  'good',
  'green',
  'red',
  'wrong',
  'yes',
  'no',
  'out',
  'back',
  'over',
  'same',
  'go',
  'has',
  'had',
  'immediately',
  'later',
  'soon',
  'tomorrow',
  'morning',
  'afternoon',
  'evening',
  'tonight',
  'weekend',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
];

/** The words in spoken order for people: "dev, staging or production". */
export function spokenList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items.at(-1) ?? ''}`;
}

/** "dev, staging or production" — the environments as a question offers them. */
export const ENVIRONMENT_CHOICES = spokenList(ENVIRONMENTS);

/**
 * Every phrase of the grammar by category, with verb forms expanded: the input of a speech
 * grammar generator. Service phrases come from `servicePhrases(catalog)`.
 */
export function grammarPhrases(): Record<string, readonly string[]> {
  const verbs: Record<string, readonly string[]> = {};
  for (const [verbClass, phrases] of Object.entries(VERBS)) {
    verbs[`verb.${verbClass}`] = [...new Set(phrases.flatMap((phrase) => Object.values(verbForms(phrase)).flat()))];
  }
  const environments: Record<string, readonly string[]> = {};
  for (const [environment, synonyms] of Object.entries(ENVIRONMENT_SYNONYMS)) environments[`environment.${environment}`] = synonyms;
  return {
    wake: WAKE_PHRASES,
    filler: FILLER_PHRASES,
    ...verbs,
    ...environments,
    'environment.unknown': UNKNOWN_ENVIRONMENT_WORDS,
    'environment.all': ALL_ENVIRONMENTS_PHRASES,
    'environment.noun': ENVIRONMENT_NOUNS,
    'service.noun': SERVICE_NOUNS,
    'service.all': ALL_SERVICES_PHRASES,
    kill: KILL_PHRASES,
    cancel: CANCEL_PHRASES,
    dryRun: [...DRY_RUN_PHRASES, ...DRY_RUN_QUESTION_PHRASES],
    negation: NEGATION_PHRASES,
    override: OVERRIDE_PHRASES,
    followUp: FOLLOW_UP_PHRASES,
    'noun.deploy': [...OPERATION_NOUNS.deploy.singular, ...OPERATION_NOUNS.deploy.plural],
    'noun.rollback': [...OPERATION_NOUNS.rollback.singular, ...OPERATION_NOUNS.rollback.plural],
    last: LAST_WORDS,
    determiner: DETERMINERS,
    preposition: PREPOSITIONS,
    conjunction: CONJUNCTIONS,
    'ref.version': REF_KEYWORDS.version,
    'ref.tag': REF_KEYWORDS.tag,
    'ref.commit': REF_KEYWORDS.commit,
    'ref.branch': [...REF_KEYWORDS.branch, ...BRANCH_WORDS],
    approvalId: APPROVAL_ID_KEYWORDS,
    number: [...Object.keys(NUMBER_WORDS), ...NUMBER_POINT_WORDS],
  };
}
