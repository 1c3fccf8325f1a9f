/**
 * The scenario model (SPEC S1–S8, S11, S13): a graph of nodes with prompts, intents, branches,
 * no-match and silence policies, global questions, tag groups and voice settings.
 * docs/scenarios.md documents the JSON format with an example.
 */
import * as z from 'zod';
import { ENTITY_KINDS } from '../nlu/entity-kinds';
import { ReportingRules } from './reporting';

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:-]+$/, 'use letters, digits, _ . : -');

/** A prompt: text with `@variable` placeholders, plus variants ("similar prompts") played in turn on repeats (S2). */
export const Prompt = z.object({
  text: z.string().min(1).max(2000),
  variants: z.array(z.string().min(1).max(2000)).max(10).default([]),
});
/** A prompt as written in a scenario. */
export type Prompt = z.infer<typeof Prompt>;

/** An intent of the scenario's intent library (S3). */
export const ScenarioIntent = z.object({
  name: Id,
  description: z.string().max(500).optional(),
  examples: z.array(z.string().min(1).max(500)).max(500).default([]),
  keywords: z.array(z.string().min(1).max(100)).max(200).default([]),
});
/** An intent of the scenario's intent library. */
export type ScenarioIntent = z.infer<typeof ScenarioIntent>;

/** What the Nth no-match or silence at a node does (S4). */
export const PolicyStep = z.object({
  /** reprompt: say the same prompt again; variant: say the next similar prompt; jump: go to `target`; hangUp: end the call. */
  action: z.enum(['reprompt', 'variant', 'jump', 'hangUp']),
  /** Said first, e.g. "Sorry, I did not catch that." */
  say: z.string().min(1).max(2000).optional(),
  target: Id.optional(),
});
/** One step of a no-match or silence policy. */
export type PolicyStep = z.infer<typeof PolicyStep>;

/** Escalation: the Nth occurrence at a node uses step N (the last step repeats). */
export const Policy = z.array(PolicyStep).min(1).max(10);
/** An escalation policy. */
export type Policy = z.infer<typeof Policy>;

/** Default no-match policy: two similar prompts, then hang up. */
export const DEFAULT_NO_MATCH: Policy = [{ action: 'variant' }, { action: 'variant' }, { action: 'hangUp' }];
/** Default silence policy: ask again once, then hang up. */
export const DEFAULT_SILENCE: Policy = [{ action: 'reprompt' }, { action: 'hangUp' }];

/** Keypad input of a branch node (S7): keys map to intents, e.g. `{ "1": "affirm" }`. */
export const Keypad = z.object({
  enabled: z.boolean().default(true),
  map: z.record(z.string().regex(/^[0-9*#]{1,10}$/, 'keys are digits, * or #'), Id).default({}),
  maxDigits: z.number().int().min(1).max(10).default(1),
});
/** Keypad settings of a node. */
export type Keypad = z.infer<typeof Keypad>;

const NodeBase = {
  id: Id,
  /** Label shown in the editor. */
  name: z.string().max(200).optional(),
  /** Tags set when the node is reached (S6): tag group → value. */
  tags: z.record(Id, z.string().min(1).max(100)).optional(),
  /** Reaching the node counts as a completed conversation (S8). */
  completes: z.boolean().optional(),
};

/** A kind of entity an answer may carry (dates and times relative to the call's local time, numbers, amounts). */
export const EntityKind = z.enum(ENTITY_KINDS);

/**
 * A branch of a branch node: where the answer leads when its conditions hold. Branches are tried
 * in order and the first one whose conditions all hold wins: `intent` (scenario or built-in) must
 * be the recognised intent, `entity` must be found in the answer ("I can pay on Friday" → a date).
 */
export const Branch = z
  .object({
    intent: Id.optional(),
    entity: EntityKind.exclude(['text']).optional(),
    next: Id,
  })
  .refine((b) => b.intent !== undefined || b.entity !== undefined, { message: 'a branch needs an intent, an entity or both', path: ['intent'] });
/** A branch of a branch node. */
export type Branch = z.infer<typeof Branch>;

/** Branch node: say a prompt, listen, route by intent (S1). */
export const BranchNode = z.object({
  ...NodeBase,
  kind: z.literal('branch'),
  prompt: Prompt,
  branches: z.array(Branch).max(50).default([]),
  noMatch: Policy.default(DEFAULT_NO_MATCH),
  silence: Policy.default(DEFAULT_SILENCE),
  /** The person may interrupt the prompt (S7). */
  bargeIn: z.boolean().default(true),
  speech: z.boolean().default(true),
  keypad: Keypad.optional(),
  /** Listen timeout (S7). */
  timeoutMs: z.number().int().min(1000).max(60_000).default(6000),
  /** Global questions may be asked here (S5). */
  globalQuestions: z.boolean().default(true),
  /**
   * Captures a value of the answer into a variable, e.g. the promise-to-pay date: `{ "variable":
   * "promiseDate", "entity": "date" }`. A bare name is the older form: the answer's text into that
   * free-text tag group. Captured values are readable by later prompts (`@promiseDate`, spoken as a
   * date), kept in the dialog state, and set as a tag when a free-text tag group has the same name.
   */
  capture: z.union([Id, z.object({ variable: Id, entity: EntityKind.default('text') })]).optional(),
});
/** A branch node. */
export type BranchNode = z.infer<typeof BranchNode>;

/** Say node: say a prompt, go on once it has played (S1). */
export const SayNode = z.object({
  ...NodeBase,
  kind: z.literal('say'),
  prompt: Prompt,
  next: Id.optional(),
  /** Speech or keys during the prompt skip to the next node. */
  bargeIn: z.boolean().default(false),
});
/** A say node. */
export type SayNode = z.infer<typeof SayNode>;

/** Action node: hang up, transfer to a number, or mark completion (S1, S8). */
export const ActionNode = z.object({
  ...NodeBase,
  kind: z.literal('action'),
  action: z.enum(['hangUp', 'transfer', 'complete']),
  /** Said before the action. */
  prompt: Prompt.optional(),
  /** Transfer target (E.164). */
  to: z
    .string()
    .regex(/^\+[1-9][0-9]{4,14}$/, 'an E.164 number')
    .optional(),
  /** For `complete`: where the dialog goes on; absent = hang up. */
  next: Id.optional(),
});
/** An action node. */
export type ActionNode = z.infer<typeof ActionNode>;

/** Any node. */
export const ScenarioNode = z.discriminatedUnion('kind', [BranchNode, SayNode, ActionNode]);
/** Any node. */
export type ScenarioNode = z.infer<typeof ScenarioNode>;

/** A global question (S5): an FAQ recognised at any listening node; the dialog then re-asks where it was. */
export const GlobalQuestion = z.object({
  id: Id,
  examples: z.array(z.string().min(1).max(500)).min(1).max(500),
  keywords: z.array(z.string().min(1).max(100)).max(200).default([]),
  answer: Prompt,
  /** Instead of returning, go to this node (e.g. "stop calling me" → goodbye). */
  next: Id.optional(),
});
/** A global question. */
export type GlobalQuestion = z.infer<typeof GlobalQuestion>;

/** A tag group (S6), e.g. satisfaction = satisfied | unsatisfied. No values = free text (captured answers). */
export const TagGroup = z.object({
  name: Id,
  values: z.array(z.string().min(1).max(100)).max(100).default([]),
});
/** A tag group. */
export type TagGroup = z.infer<typeof TagGroup>;

/** A variable prompts may use (S2), filled from the contact. */
export const VariableDecl = z.object({
  name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name is letters, digits and _'),
  description: z.string().max(200).optional(),
  /** Used when the contact has no value. */
  default: z.string().max(500).optional(),
});
/** A declared variable. */
export type VariableDecl = z.infer<typeof VariableDecl>;

/** Voice settings (S11). */
export const VoiceSettings = z.object({
  language: z.enum(['en', 'zh']).default('en'),
  /** Text-to-speech voice id (Polly), e.g. Joanna or Zhiyu. */
  voice: z.string().max(50).optional(),
  /** Speaking rate, 1 = normal. */
  speed: z.number().min(0.5).max(2).default(1),
  /** Volume change in dB, 0 = normal. */
  volume: z.number().min(-6).max(6).default(0),
  /** Delay before the first prompt after answer; the instance's `delayBeforeFirstPromptMs` when absent (S11). */
  delayAfterAnswerMs: z.number().int().min(0).max(10_000).optional(),
});
/** Voice settings. */
export type VoiceSettings = z.infer<typeof VoiceSettings>;

/** Delegation of the whole conversation to an existing Amazon Lex V2 bot (S13). */
export const ExternalDialog = z.object({
  kind: z.literal('lexv2'),
  botAliasArn: z.string().regex(/^arn:aws[a-z-]*:lex:[a-z0-9-]+:\d{12}:bot-alias\/[A-Za-z0-9]+\/[A-Za-z0-9]+$/, 'a Lex V2 bot alias ARN'),
  localeId: z.string().regex(/^[a-z]{2}_[A-Z]{2}$/, 'a Lex locale id such as en_US'),
  welcomeText: z.string().max(2000).optional(),
});
/** External dialog settings. */
export type ExternalDialog = z.infer<typeof ExternalDialog>;

/**
 * Which recogniser decides intents (S9), chosen per scenario. `builtin` runs in-process; the others
 * call AWS and fall back to the built-in recogniser when they fail or take longer than `timeoutMs`.
 * They are only granted in CDK when enabled (infra/constructs/nlu-providers.ts).
 */
export const RecognizerProvider = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin') }),
  z.object({
    kind: z.literal('lex'),
    /** An Amazon Lex V2 bot whose intents carry the scenario's intent names. */
    botId: z.string().regex(/^[A-Z0-9]{10}$/, 'a Lex V2 bot id'),
    botAliasId: z.string().regex(/^[A-Z0-9]{10}$|^TSTALIASID$/, 'a Lex V2 bot alias id'),
    localeId: z.string().regex(/^[a-z]{2}_[A-Z]{2}$/, 'a Lex locale id such as en_US'),
    timeoutMs: z.number().int().min(100).max(5000).default(800),
  }),
  z.object({
    kind: z.literal('bedrock-embeddings'),
    /** A multilingual embedding model; the scenario's example vectors are computed once per version and cached. */
    modelId: z.string().min(1).max(200).default('amazon.titan-embed-text-v2:0'),
    timeoutMs: z.number().int().min(100).max(5000).default(800),
  }),
  z.object({
    kind: z.literal('bedrock-converse'),
    /** A small model through Converse with the intents and their examples as the prompt. */
    modelId: z.string().min(1).max(200).default('amazon.nova-micro-v1:0'),
    timeoutMs: z.number().int().min(100).max(5000).default(1500),
  }),
]);
/** A recogniser provider setting. */
export type RecognizerProvider = z.infer<typeof RecognizerProvider>;

/** A scenario definition: what a draft holds and what a published version freezes. */
export const ScenarioDefinition = z.object({
  schemaVersion: z.literal(1).default(1),
  name: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  voice: VoiceSettings.default(VoiceSettings.parse({})),
  /** Start node (S1); absent only for external dialogs. */
  startNode: Id.optional(),
  nodes: z.array(ScenarioNode).max(500).default([]),
  intents: z.array(ScenarioIntent).max(200).default([]),
  globalQuestions: z.array(GlobalQuestion).max(100).default([]),
  tagGroups: z.array(TagGroup).max(50).default([]),
  variables: z.array(VariableDecl).max(100).default([]),
  recognition: z
    .object({
      /** Intent confidence below this is a no-match (S9). */
      threshold: z.number().min(0).max(1).default(0.5),
      /** Speech-to-text confidence below this is a no-match. */
      minSpeechConfidence: z.number().min(0).max(1).default(0),
      /** Which recogniser decides intents; the built-in one by default. */
      provider: RecognizerProvider.default({ kind: 'builtin' }),
    })
    .default({ threshold: 0.5, minSpeechConfidence: 0, provider: { kind: 'builtin' } }),
  /** The engine hangs up after this many inputs, so every conversation ends. */
  maxTurns: z.number().int().min(1).max(200).default(50),
  external: ExternalDialog.optional(),
  /** Reporting rules (R2, R4): success definition and intention grading; defaults when absent (lib/scenarios/reporting.ts). */
  reporting: ReportingRules.optional(),
});
/** A scenario definition (parsed, defaults applied). */
export type ScenarioDefinition = z.infer<typeof ScenarioDefinition>;
/** A scenario definition as written (defaults optional). */
export type ScenarioDefinitionInput = z.input<typeof ScenarioDefinition>;

/** Variables every contact has, usable without declaring them. */
export const CONTACT_VARIABLES = ['name', 'honorific', 'phone', 'referenceId'] as const;

/** Lifecycle state of a scenario (S10). */
export const ScenarioStatus = z.enum(['draft', 'published', 'publishedEdited']);
/** Lifecycle state of a scenario. */
export type ScenarioStatus = z.infer<typeof ScenarioStatus>;

/** A scenario as the API shows it: the draft plus lifecycle pointers. */
export const Scenario = z.object({
  scenarioId: z.string(),
  name: z.string(),
  status: ScenarioStatus,
  draft: ScenarioDefinition,
  /** Bumped on every write; PUT may send it back for optimistic concurrency. */
  revision: z.number().int(),
  publishedVersion: z.number().int().optional(),
  latestVersion: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** A scenario. */
export type Scenario = z.infer<typeof Scenario>;

/** An immutable published version (S10). */
export const ScenarioVersion = z.object({
  scenarioId: z.string(),
  version: z.number().int().min(1),
  definition: ScenarioDefinition,
  publishedAt: z.string(),
  /** Set when this version was made by rolling back to an older one. */
  rolledBackFrom: z.number().int().optional(),
});
/** A published version. */
export type ScenarioVersion = z.infer<typeof ScenarioVersion>;
