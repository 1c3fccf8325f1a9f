/**
 * The dialog engine (SPEC S1–S8, S11, S13): a pure transition function
 * `(state, event) -> [state, commands]`. The SMA handler and the text chat both drive it.
 * Everything costly (recogniser, parsed prompts, per-node candidate lists) is built once by
 * `compileScenario`; a transition only looks things up. The state is small JSON that travels in
 * SMA transaction attributes.
 */
import * as z from 'zod';
import { describeFault } from '../core/errors';
import { BUILTIN_INTENTS, type BuiltinIntentName } from '../nlu/builtin-intents';
import { extractEntities, firstEntity, spokenValue, type Entity, type EntityKind } from '../nlu/entities';
import { buildRecognizer } from '../nlu/recognizer';
import type { IntentDefinition, IntentRecognizer, RecognizerOptions } from '../nlu/types';
import { parseTemplate, renderSegments, type Segment } from '../scenarios/interpolate';
import {
  ScenarioDefinition,
  type Branch,
  type BranchNode,
  type GlobalQuestion,
  type Policy,
  type ScenarioDefinitionInput,
  type ScenarioNode,
  type VoiceSettings,
} from '../scenarios/schema';
import { ssmlFor, TTS_LANGUAGE } from './ssml';
import type { DialogCommand, DialogEvent, DialogTurn } from './types';

/** Why a dialog ended. */
export const EndReason = z.enum(['node', 'noMatch', 'silence', 'maxTurns', 'person', 'transfer', 'error', 'system']);
/** Why a dialog ended. */
export type EndReason = z.infer<typeof EndReason>;

/** The engine's state between events: small, serialisable JSON (it travels in SMA transaction attributes). */
export const DialogState = z.object({
  v: z.literal(1),
  /** Scenario version the dialog runs (`<scenarioId>@<version>`, or `draft`). */
  scenario: z.string(),
  /** Current node. */
  node: z.string(),
  /** idle: not answered yet; listening: waiting for an answer at a branch node; speaking: a say node's prompt is playing. */
  phase: z.enum(['idle', 'listening', 'speaking', 'delegated', 'ended']),
  /** No-match count per node (S4). */
  noMatch: z.record(z.string(), z.number()),
  /** Silence (timeout) count per node (S4). */
  silence: z.record(z.string(), z.number()),
  /** Prompt variant index per node (S2). */
  variant: z.record(z.string(), z.number()),
  /** Tags set so far (S6). */
  tags: z.record(z.string(), z.string()),
  /** Values captured from answers, by variable (see the `setVariables` command). Absent in states from before captures. */
  captured: z.record(z.string(), z.string()).default({}),
  /** A completion node was reached (S8). */
  completed: z.boolean(),
  /** Input events handled, bounded by the scenario's maxTurns. */
  inputs: z.number(),
  /** Transcript turns recorded. */
  turns: z.number(),
  /** Who ended the call, at which node, why (S8). */
  ended: z
    .object({ party: z.enum(['robot', 'person', 'system']), nodeId: z.string(), reason: EndReason })
    .optional(),
});
/** The engine's state between events. */
export type DialogState = z.infer<typeof DialogState>;

/** Per-call values the engine reads: the contact's variables and where the person is. */
export interface DialogContext {
  variables: Record<string, string>;
  /**
   * IANA time zone of the person called (e.g. `Asia/Shanghai`): relative dates in answers ("on
   * Friday", "下周三") are resolved in it, at the event's `at`. UTC when absent.
   */
  timeZone?: string;
}

/** Builds a recogniser from intent definitions (injectable for tests and external providers). */
export type RecognizerFactory = (intents: IntentDefinition[], options: RecognizerOptions) => IntentRecognizer;

/** Options of `compileScenario`. */
export interface CompileOptions {
  /** Identifies the version in the state, e.g. `scn_1@3`. */
  versionId?: string;
  recognizerFactory?: RecognizerFactory;
}

interface CompiledNode {
  node: ScenarioNode;
  /** Prompt text then its variants, parsed. */
  prompts: Segment[][];
  /** Branches in the order they are tried. */
  branches: Branch[];
  /** Intents this node's own branches listen for. */
  own: Set<string>;
  candidates: string[];
  /** What the node captures, if anything. */
  capture?: { variable: string; entity: EntityKind };
  /** True when answers must be searched for entities (a capture of one, or a branch on one). */
  needsEntities: boolean;
  noMatchSay: (Segment[] | undefined)[];
  silenceSay: (Segment[] | undefined)[];
}

interface CompiledGlobal {
  question: GlobalQuestion;
  prompts: Segment[][];
}

/** A scenario ready to run: recogniser built, prompts parsed. Build once per version and reuse. */
export interface CompiledScenario {
  readonly id: string;
  readonly definition: ScenarioDefinition;
  readonly nodes: ReadonlyMap<string, CompiledNode>;
  readonly globals: ReadonlyMap<string, CompiledGlobal>;
  readonly recognizer: IntentRecognizer;
  readonly fallbacks: Readonly<Record<string, string>>;
  readonly voice: VoiceSettings;
  /** Free-text tag groups: a capture into one of these names also sets the tag. */
  readonly freeTags: ReadonlySet<string>;
  /** The intent definitions the recogniser was built from (what an external provider needs too). */
  readonly intents: readonly IntentDefinition[];
}

/** Intent name under which a global question is recognised. */
export const globalIntentName = (id: string) => `global:${id}`;
const REPEAT = 'repeat';
/** Built-in closing intent, always compiled in as a rival so "thank you, bye" has a home that is not an opt-out. */
const GOODBYE: BuiltinIntentName = 'goodbye';
/**
 * A global question (e.g. "stop calling me") must beat the best of the node's own intents by this
 * much calibrated confidence: a closing or a polite answer that also resembles an opt-out stays
 * with the node (issue 13).
 */
export const GLOBAL_MARGIN = 0.2;
const MAX_CHAIN = 100;

/** Compiles a definition: builds the recogniser once, parses every prompt, precomputes per-node candidates. */
export function compileScenario(input: ScenarioDefinition | ScenarioDefinitionInput, options: CompileOptions = {}): CompiledScenario {
  const def = ScenarioDefinition.parse(input);
  const language = def.voice.language;
  const own = new Map(def.intents.map((i) => [i.name, i]));
  const used = new Set<string>([REPEAT]);
  for (const n of def.nodes) {
    if (n.kind !== 'branch') continue;
    for (const b of n.branches) if (b.intent !== undefined) used.add(b.intent);
    for (const i of Object.values(n.keypad?.map ?? {})) used.add(i);
  }
  if (def.globalQuestions.length > 0 || def.nodes.some((n) => n.kind === 'branch')) used.add(GOODBYE);
  const definitions: IntentDefinition[] = [];
  for (const name of used) {
    const mine = own.get(name);
    // A scenario intent named like a built-in extends it (the recogniser merges definitions by name).
    if (name in BUILTIN_INTENTS) definitions.push(BUILTIN_INTENTS[name as BuiltinIntentName][language]);
    if (mine) definitions.push({ name, examples: mine.examples, keywords: mine.keywords });
  }
  for (const i of def.intents) if (!used.has(i.name)) definitions.push({ name: i.name, examples: i.examples, keywords: i.keywords });
  const globals = new Map<string, CompiledGlobal>();
  for (const q of def.globalQuestions) {
    definitions.push({ name: globalIntentName(q.id), examples: q.examples, keywords: q.keywords });
    globals.set(globalIntentName(q.id), { question: q, prompts: [q.answer.text, ...q.answer.variants].map(parseTemplate) });
  }
  const factory = options.recognizerFactory ?? ((defs, opts) => buildRecognizer(defs, opts));
  const recognizer = factory(definitions, { threshold: def.recognition.threshold, language });

  const parseSay = (p: Policy) => p.map((s) => (s.say ? parseTemplate(s.say) : undefined));
  const nodes = new Map<string, CompiledNode>();
  for (const node of def.nodes) {
    const prompt = 'prompt' in node ? node.prompt : undefined;
    const compiled: CompiledNode = {
      node,
      prompts: prompt ? [prompt.text, ...prompt.variants].map(parseTemplate) : [],
      branches: [],
      own: new Set(),
      candidates: [],
      needsEntities: false,
      noMatchSay: [],
      silenceSay: [],
    };
    if (node.kind === 'branch') {
      compiled.branches = node.branches;
      for (const b of node.branches) if (b.intent !== undefined) compiled.own.add(b.intent);
      if (node.capture !== undefined) compiled.capture = typeof node.capture === 'string' ? { variable: node.capture, entity: 'text' } : node.capture;
      compiled.needsEntities = node.branches.some((b) => b.entity !== undefined) || (compiled.capture !== undefined && compiled.capture.entity !== 'text');
      const c = new Set(compiled.own);
      if (node.globalQuestions) for (const g of globals.keys()) c.add(g);
      c.add(REPEAT);
      compiled.candidates = [...c];
      compiled.noMatchSay = parseSay(node.noMatch);
      compiled.silenceSay = parseSay(node.silence);
    }
    nodes.set(node.id, compiled);
  }
  const fallbacks: Record<string, string> = {};
  for (const v of def.variables) if (v.default !== undefined) fallbacks[v.name] = v.default;
  const freeTags = new Set(def.tagGroups.filter((g) => g.values.length === 0).map((g) => g.name));
  return { id: options.versionId ?? 'draft', definition: def, nodes, globals, recognizer, fallbacks, voice: def.voice, freeTags, intents: definitions };
}

const cache = new Map<string, CompiledScenario>();
const CACHE_SIZE = 64;

/** Compiles once per key (e.g. `<instance>/<scenario>@<version>`): published versions are immutable, so the key never goes stale. */
export function compileCached(key: string, def: ScenarioDefinition | ScenarioDefinitionInput, options: CompileOptions = {}): CompiledScenario {
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const compiled = compileScenario(def, { versionId: key, ...options });
  cache.set(key, compiled);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return compiled;
}

/** The state before the call is answered. */
export function initialState(compiled: CompiledScenario): DialogState {
  return {
    v: 1,
    scenario: compiled.id,
    node: compiled.definition.startNode ?? '',
    phase: 'idle',
    noMatch: {},
    silence: {},
    variant: {},
    tags: {},
    captured: {},
    completed: false,
    inputs: 0,
    turns: 0,
  };
}

/**
 * The intents the current node listens for (its branches, global questions, repeat), or undefined
 * when the dialog is not waiting for an answer at a branch node. External recognisers use it.
 */
export function listeningCandidates(compiled: CompiledScenario, state: DialogState): string[] | undefined {
  if (state.phase !== 'listening') return undefined;
  const cn = compiled.nodes.get(state.node);
  return cn && cn.node.kind === 'branch' ? [...cn.candidates] : undefined;
}

/** Starts a dialog when the call is answered: the delay after answer, then the start node. */
export function startDialog(compiled: CompiledScenario, ctx: DialogContext & { at: number }): [DialogState, DialogCommand[]] {
  return transition(compiled, initialState(compiled), { type: 'answered', at: ctx.at }, ctx);
}

/** True once the dialog has ended (hang-up, transfer, delegation ended). */
export function isDialogOver(state: DialogState): boolean {
  return state.phase === 'ended';
}

/** Reads a state that came back from the channel; undefined when it is not a dialog state. */
export function parseDialogState(value: unknown): DialogState | undefined {
  const r = DialogState.safeParse(value);
  return r.success ? r.data : undefined;
}

/** What a finished dialog reports for the call detail record and the job (S4, S6, S8). */
export interface DialogSummary {
  tags: Record<string, string>;
  /** Values captured from answers (see the `setVariables` command). */
  captured: Record<string, string>;
  completed: boolean;
  noMatchCount: number;
  silenceCount: number;
  endNode?: string;
  hangupParty?: 'robot' | 'person' | 'system';
  endReason?: EndReason;
}

/** Summarises a dialog state. */
export function dialogSummary(state: DialogState): DialogSummary {
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  return {
    tags: { ...state.tags },
    captured: { ...(state.captured ?? {}) },
    completed: state.completed,
    noMatchCount: sum(state.noMatch),
    silenceCount: sum(state.silence),
    ...(state.ended ? { endNode: state.ended.nodeId, hangupParty: state.ended.party, endReason: state.ended.reason } : {}),
  };
}

/**
 * Applies one event. Pure and total: it never throws; an internal fault ends the call with
 * reason `error` rather than leaving a person on a silent line.
 */
export function transition(compiled: CompiledScenario, state: DialogState, event: DialogEvent, ctx: DialogContext): [DialogState, DialogCommand[]] {
  if (state.phase === 'ended') return [state, []];
  const run = new Run(compiled, state, ctx, event.at);
  try {
    run.handle(event);
  } catch (error) {
    // Any fault, whatever its kind: the person must not be left on a silent line. It travels out on the hang-up
    // command so the channel can log it (a pure function has no logger).
    run.commands.length = 0;
    run.end('system', 'error', describeFault(error));
  }
  return [run.s, run.commands];
}

/** One transition's working copy of the state and the commands it emits. */
class Run {
  readonly s: DialogState;
  readonly commands: DialogCommand[] = [];
  /** Who decided this event's intent when an external recogniser did (one Run handles one event). */
  private recognizedBy: string | undefined;
  private chain = 0;

  constructor(
    private readonly c: CompiledScenario,
    state: DialogState,
    private readonly ctx: DialogContext,
    private readonly at: number,
  ) {
    this.s = {
      ...state,
      noMatch: { ...state.noMatch },
      silence: { ...state.silence },
      variant: { ...state.variant },
      tags: { ...state.tags },
      captured: { ...(state.captured ?? {}) },
    };
  }

  handle(event: DialogEvent): void {
    const s = this.s;
    if (event.type === 'hangup') {
      this.turn({ nodeId: s.node, outcome: 'hangup' });
      s.phase = 'ended';
      s.ended = { party: event.party, nodeId: s.node, reason: event.party === 'person' ? 'person' : event.party === 'robot' ? 'node' : 'system' };
      return;
    }
    if (event.type === 'answered') {
      if (s.phase !== 'idle') return;
      const { delayAfterAnswerMs } = this.c.voice;
      if (delayAfterAnswerMs !== undefined && delayAfterAnswerMs > 0) this.commands.push({ type: 'pause', ms: delayAfterAnswerMs });
      const ext = this.c.definition.external;
      if (ext) {
        const welcome = ext.welcomeText ? renderSegments(parseTemplate(ext.welcomeText), this.ctx.variables, this.c.fallbacks) : undefined;
        s.phase = 'delegated';
        s.node = 'external';
        this.commands.push({
          type: 'delegate',
          nodeId: 'external',
          botAliasArn: ext.botAliasArn,
          localeId: ext.localeId,
          ...(welcome ? { welcomeText: welcome, text: welcome } : {}),
        });
        return;
      }
      this.enter(s.node);
      return;
    }
    if (s.phase === 'idle' || s.phase === 'delegated') return;
    if (s.inputs >= this.c.definition.maxTurns) {
      this.end('robot', 'maxTurns');
      return;
    }
    s.inputs++;
    const current = this.c.nodes.get(s.node);
    if (!current) {
      this.end('system', 'error');
      return;
    }
    if (s.phase === 'speaking') {
      const node = current.node;
      const interrupts = (event.type === 'utterance' || event.type === 'digits') && node.kind === 'say' && node.bargeIn;
      if (event.type === 'promptFinished' || event.type === 'silence' || interrupts) {
        if (interrupts) this.turn({ nodeId: node.id, userText: userText(event), outcome: 'prompt' });
        this.goOn(node.kind === 'say' ? node.next : undefined);
      }
      return;
    }
    if (current.node.kind !== 'branch') {
      this.end('system', 'error');
      return;
    }
    this.answer(current, current.node, event);
  }

  /** Handles an answer (or its absence) at a listening branch node. */
  private answer(cn: CompiledNode, node: BranchNode, event: DialogEvent): void {
    if (event.type === 'promptFinished') return;
    const prompt = this.promptText(cn);
    if (event.type === 'silence' || (event.type === 'utterance' && event.text.trim() === '' && !event.intent)) {
      this.turn({ nodeId: node.id, prompt, outcome: 'silence' });
      this.escalate(cn, node, 'silence');
      return;
    }
    let intent: string | undefined;
    let score = 0;
    let text = '';
    if (event.type === 'digits') {
      text = `digits:${event.digits}`;
      const mapped = node.keypad?.enabled ? node.keypad.map[event.digits] : undefined;
      if (mapped) {
        intent = mapped;
        score = 1;
      }
    } else if (event.type === 'utterance') {
      text = event.text;
      const minSpeech = this.c.definition.recognition.minSpeechConfidence;
      if (event.confidence === undefined || event.confidence >= minSpeech) {
        if (event.intent) {
          if (event.intent.fault !== undefined) this.commands.push({ type: 'fault', nodeId: node.id, where: 'recognizer', fault: event.intent.fault });
          intent = event.intent.name;
          score = event.intent.score;
          this.recognizedBy = event.intent.source;
        } else if (node.speech) {
          const r = this.c.recognizer.recognize(event.text, { candidates: cn.candidates, language: this.c.voice.language });
          if (r.fault !== undefined) this.commands.push({ type: 'fault', nodeId: node.id, where: 'recognizer', fault: r.fault });
          if (r.best) {
            intent = r.best.intent;
            score = r.best.score;
            // A global question must beat the node's own intents by a margin, or the node keeps the answer.
            if (this.c.globals.has(intent)) {
              const own = r.ranked.find((m) => cn.own.has(m.intent) || m.intent === REPEAT);
              if (own && score - own.score < GLOBAL_MARGIN) {
                intent = own.intent;
                score = own.score;
              }
            }
          }
        }
      }
    }
    const threshold = this.c.definition.recognition.threshold;
    const matched = intent !== undefined && score >= threshold;
    const entities = cn.needsEntities ? this.entities(event, node.id) : [];
    const branch = cn.branches.find(
      (b) => (b.intent === undefined || (matched && b.intent === intent)) && (b.entity === undefined || firstEntity(entities, b.entity) !== undefined),
    );
    if (branch) {
      this.turn({ nodeId: node.id, prompt, userText: text, ...(matched ? { intent, score } : {}), outcome: 'matched' });
      if (cn.capture) this.capture(node.id, cn.capture, event, entities);
      this.enter(branch.next);
      return;
    }
    const global = matched && node.globalQuestions ? this.c.globals.get(intent!) : undefined;
    if (global) {
      this.turn({ nodeId: node.id, prompt, userText: text, intent: global.question.id, score, outcome: 'globalQuestion' });
      const key = intent!;
      const k = (this.s.variant[key] ?? -1) + 1;
      this.s.variant[key] = k % global.prompts.length;
      this.say(node.id, this.render(global.prompts[this.s.variant[key]]!), node.bargeIn);
      if (global.question.next !== undefined) this.enter(global.question.next);
      else this.ask(cn, node);
      return;
    }
    if (matched && intent === REPEAT) {
      this.turn({ nodeId: node.id, prompt, userText: text, intent, score, outcome: 'matched' });
      this.ask(cn, node);
      return;
    }
    this.turn({ nodeId: node.id, prompt, userText: text, ...(intent !== undefined ? { intent, score } : {}), outcome: 'noMatch' });
    this.escalate(cn, node, 'noMatch');
  }

  /** Entities of an answer, relative to the event's time in the person's time zone. */
  private entities(event: DialogEvent, nodeId: string): Entity[] {
    if (event.type === 'digits') return /^[0-9]+$/.test(event.digits) ? [{ kind: 'number', value: String(Number(event.digits)), text: event.digits }, { kind: 'amount', value: String(Number(event.digits)), text: event.digits }] : [];
    if (event.type !== 'utterance') return [];
    const onFault = (fault: string) => this.commands.push({ type: 'fault', nodeId, where: 'entities', fault });
    return extractEntities(event.text, { now: event.at, language: this.c.voice.language, onFault, ...(this.ctx.timeZone ? { timeZone: this.ctx.timeZone } : {}) });
  }

  /** Stores a node's capture: state, a `setVariables` command, and the tag of a free-text group of that name. */
  private capture(nodeId: string, capture: { variable: string; entity: EntityKind }, event: DialogEvent, entities: readonly Entity[]): void {
    let value: string | undefined;
    if (capture.entity === 'text') value = event.type === 'utterance' ? event.text.trim().slice(0, 100) : event.type === 'digits' ? event.digits : undefined;
    else value = firstEntity(entities, capture.entity)?.value;
    if (value === undefined || value === '') return;
    this.s.captured[capture.variable] = value;
    this.commands.push({ type: 'setVariables', nodeId, variables: { [capture.variable]: value } });
    if (this.c.freeTags.has(capture.variable)) this.setTags(nodeId, { [capture.variable]: value });
  }

  /** Applies the Nth step of the node's no-match or silence policy (S4). */
  private escalate(cn: CompiledNode, node: BranchNode, kind: 'noMatch' | 'silence'): void {
    const counts = this.s[kind];
    const n = (counts[node.id] ?? 0) + 1;
    counts[node.id] = n;
    const policy = node[kind];
    const k = Math.min(n, policy.length) - 1;
    const step = policy[k]!;
    const sayFirst = (kind === 'noMatch' ? cn.noMatchSay : cn.silenceSay)[k];
    if (sayFirst) this.say(node.id, this.render(sayFirst), step.action !== 'hangUp' && node.bargeIn);
    switch (step.action) {
      case 'reprompt':
        this.ask(cn, node);
        return;
      case 'variant':
        this.s.variant[node.id] = ((this.s.variant[node.id] ?? 0) + 1) % Math.max(1, cn.prompts.length);
        this.ask(cn, node);
        return;
      case 'jump':
        if (step.target !== undefined && this.c.nodes.has(step.target)) this.enter(step.target);
        else this.end('robot', kind);
        return;
      case 'hangUp':
        this.end('robot', kind);
        return;
    }
  }

  /** Enters a node: tags, completion, then its prompt and what follows. */
  private enter(nodeId: string): void {
    if (++this.chain > MAX_CHAIN) {
      this.end('system', 'error');
      return;
    }
    const cn = this.c.nodes.get(nodeId);
    const s = this.s;
    s.node = nodeId;
    if (!cn) {
      this.end('system', 'error');
      return;
    }
    const node = cn.node;
    // A node seen before plays its next similar prompt (S2).
    if (cn.prompts.length > 0) s.variant[nodeId] = s.variant[nodeId] === undefined ? 0 : (s.variant[nodeId]! + 1) % cn.prompts.length;
    if (node.tags && Object.keys(node.tags).length > 0) this.setTags(nodeId, node.tags);
    if (node.completes || (node.kind === 'action' && node.action === 'complete')) this.complete(nodeId);
    switch (node.kind) {
      case 'branch':
        this.ask(cn, node);
        return;
      case 'say':
        this.say(nodeId, this.promptText(cn)!, node.bargeIn);
        this.turn({ nodeId, prompt: this.promptText(cn), outcome: 'prompt' });
        s.phase = 'speaking';
        return;
      case 'action': {
        const prompt = this.promptText(cn);
        if (prompt !== undefined) {
          this.say(nodeId, prompt, false);
          this.turn({ nodeId, prompt, outcome: 'prompt' });
        }
        if (node.action === 'hangUp') this.end('robot', 'node');
        else if (node.action === 'transfer') {
          if (node.to) {
            this.commands.push({ type: 'transfer', nodeId, to: node.to });
            s.phase = 'ended';
            s.ended = { party: 'robot', nodeId, reason: 'transfer' };
          } else this.end('robot', 'error');
        } else this.goOn(node.next);
        return;
      }
    }
  }

  /** Says a branch node's prompt and listens. */
  private ask(cn: CompiledNode, node: BranchNode): void {
    this.say(node.id, this.promptText(cn)!, node.bargeIn);
    this.commands.push({
      type: 'listen',
      nodeId: node.id,
      speech: node.speech,
      keypad: node.keypad?.enabled ?? false,
      timeoutMs: node.timeoutMs,
      maxDigits: node.keypad?.maxDigits ?? 1,
      bargeIn: node.bargeIn,
    });
    this.s.phase = 'listening';
  }

  private goOn(next: string | undefined): void {
    if (next !== undefined) this.enter(next);
    else this.end('robot', 'node');
  }

  private complete(nodeId: string): void {
    if (this.s.completed) return;
    this.s.completed = true;
    this.commands.push({ type: 'markCompleted', nodeId });
  }

  private setTags(nodeId: string, tags: Record<string, string>): void {
    Object.assign(this.s.tags, tags);
    this.commands.push({ type: 'setTags', nodeId, tags: { ...tags } });
  }

  /** Ends the dialog from the robot's side (or the system's, on a fault). */
  end(party: 'robot' | 'system', reason: EndReason, fault?: string): void {
    const nodeId = this.s.node;
    const hangReason = reason === 'transfer' || reason === 'system' ? 'error' : reason;
    this.commands.push({ type: 'hangUp', nodeId, reason: hangReason, ...(fault !== undefined ? { fault } : {}) });
    this.s.phase = 'ended';
    this.s.ended = { party, nodeId, reason };
  }

  private say(nodeId: string, text: string, bargeIn: boolean): void {
    const v = this.c.voice;
    const ssml = ssmlFor(text, v);
    this.commands.push({
      type: 'say',
      nodeId,
      text,
      ...(ssml ? { ssml } : {}),
      bargeIn,
      language: TTS_LANGUAGE[v.language],
      ...(v.voice ? { voice: v.voice } : {}),
    });
  }

  private turn(t: Omit<DialogTurn, 'index' | 'at'>): void {
    const turn: DialogTurn = { index: this.s.turns++, at: this.at, ...t, ...(this.recognizedBy !== undefined && t.intent !== undefined ? { recognizer: this.recognizedBy } : {}) };
    for (const k of Object.keys(turn) as (keyof DialogTurn)[]) if (turn[k] === undefined) delete turn[k];
    this.commands.push({ type: 'recordTurn', turn });
  }

  private promptText(cn: CompiledNode): string | undefined {
    if (cn.prompts.length === 0) return undefined;
    const i = this.s.variant[cn.node.id] ?? 0;
    return this.render(cn.prompts[i % cn.prompts.length]!);
  }

  /**
   * Contact variables first, then captured values (dates and times spoken in the scenario's
   * language, e.g. @promiseDate → "Friday, March 6"), then free-text tags, then declared defaults.
   */
  private render(segments: Segment[]): string {
    let out = '';
    for (const seg of segments) {
      if ('text' in seg) out += seg.text;
      else {
        const captured = this.s.captured[seg.variable];
        out += this.ctx.variables[seg.variable] ?? (captured !== undefined ? spokenValue(captured, this.c.voice.language) : undefined) ?? this.s.tags[seg.variable] ?? this.c.fallbacks[seg.variable] ?? '';
      }
    }
    return out;
  }
}

function userText(event: DialogEvent): string | undefined {
  if (event.type === 'utterance') return event.text;
  if (event.type === 'digits') return `digits:${event.digits}`;
  return undefined;
}
