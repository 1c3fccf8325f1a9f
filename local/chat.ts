/**
 * Flow debug in the terminal (S12): `npm run chat -- <file.json | templateId> [--lang en|zh] [--var name=value ...]`.
 * Runs the same engine as calls. Each input line is an answer: text, `#12` for keys, empty for silence,
 * `/hangup` to hang up. Prints the node, the robot's prompts, the matched intent with its score, and the tags.
 * Works with piped stdin, so scripts and tests can talk a scenario through.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { compileScenario, isDialogOver, startDialog, transition, type CompiledScenario, type DialogState } from '../lib/dialog/engine';
import type { DialogCommand, DialogEvent } from '../lib/dialog/types';
import { ScenarioDefinition } from '../lib/scenarios/schema';
import { getTemplate, TEMPLATES } from '../lib/scenarios/templates/index';
import { validateScenario } from '../lib/scenarios/validate';

/** Parsed command-line arguments of the chat. */
export interface ChatArgs {
  source: string;
  language: 'en' | 'zh';
  variables: Record<string, string>;
}

/** Parses `<file | templateId> [--lang en|zh] [--var name=value ...]`. */
export function parseChatArgs(argv: string[]): ChatArgs {
  let source: string | undefined;
  let language: 'en' | 'zh' = 'en';
  const variables: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--lang') {
      const l = argv[++i];
      if (l !== 'en' && l !== 'zh') throw new Error('--lang must be en or zh');
      language = l;
    } else if (a === '--var') {
      const kv = argv[++i] ?? '';
      const eq = kv.indexOf('=');
      if (eq < 1) throw new Error(`--var expects name=value, got '${kv}'`);
      variables[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (a !== '--') source = a;
  }
  if (!source) throw new Error(`usage: npm run chat -- <scenario.json | ${TEMPLATES.map((t) => t.id).join(' | ')}> [--lang en|zh] [--var name=value ...]`);
  return { source, language, variables };
}

/** Loads a scenario definition from a template id or a JSON file (a definition, an export, or a scenario with a draft). */
export function loadDefinition(source: string, language: 'en' | 'zh'): ScenarioDefinition {
  const template = getTemplate(source);
  if (template) return template.definition(language);
  const json = JSON.parse(readFileSync(source, 'utf8')) as Record<string, unknown>;
  const body = (json.definition ?? json.scenario ?? json.draft ?? json) as unknown;
  return ScenarioDefinition.parse(body);
}

/** A line of chat input as a dialog event. */
export function lineToEvent(line: string, at: number): DialogEvent {
  const t = line.trim();
  if (t === '') return { type: 'silence', at };
  if (t === '/hangup') return { type: 'hangup', at, party: 'person' };
  if (/^#[0-9*#]+$/.test(t)) return { type: 'digits', at, digits: t.slice(1) };
  return { type: 'utterance', at, text: t };
}

/** Renders one step's commands as chat output lines. */
export function describeCommands(state: DialogState, commands: readonly DialogCommand[]): string[] {
  const out: string[] = [];
  for (const c of commands) {
    switch (c.type) {
      case 'say':
        out.push(`[${c.nodeId}] robot: ${c.text}`);
        break;
      case 'recordTurn':
        if (c.turn.userText !== undefined || c.turn.outcome === 'silence')
          out.push(
            `  ↳ ${c.turn.outcome}${c.turn.intent ? ` intent=${c.turn.intent} score=${(c.turn.score ?? 0).toFixed(2)}` : ''}`,
          );
        break;
      case 'setTags':
        out.push(`  tags: ${Object.entries(c.tags).map(([k, v]) => `${k}=${v}`).join(', ')}`);
        break;
      case 'markCompleted':
        out.push(`  ✓ completed at ${c.nodeId}`);
        break;
      case 'transfer':
        out.push(`[${c.nodeId}] transfer to ${c.to}`);
        break;
      case 'delegate':
        out.push(`delegated to Lex bot ${c.botAliasArn} (${c.localeId})`);
        break;
      case 'hangUp':
        out.push(`[${c.nodeId}] robot hangs up (${c.reason})${c.fault !== undefined ? `: ${c.fault}` : ''}`);
        break;
      case 'fault':
        out.push(`  ! ${c.where} fault at ${c.nodeId}: ${c.fault}`);
        break;
      default:
        break;
    }
  }
  if (state.phase === 'ended' && state.ended)
    out.push(
      `— ended by ${state.ended.party} at ${state.ended.nodeId} (${state.ended.reason}); completed=${state.completed}; tags: ${JSON.stringify(state.tags)}`,
    );
  return out;
}

/** Drives a compiled scenario with input lines; writes output lines. Returns the final state. */
export async function runChat(
  compiled: CompiledScenario,
  variables: Record<string, string>,
  lines: AsyncIterable<string>,
  write: (line: string) => void,
  now: () => number = Date.now,
): Promise<DialogState> {
  const ctx = { variables };
  let [state, commands] = startDialog(compiled, { variables, at: now() });
  write(describeCommands(state, commands).join('\n'));
  // Say nodes wait for their prompt to finish; in a chat it finishes at once.
  const settle = () => {
    while (state.phase === 'speaking') {
      [state, commands] = transition(compiled, state, { type: 'promptFinished', at: now() }, ctx);
      write(describeCommands(state, commands).join('\n'));
    }
  };
  settle();
  if (!isDialogOver(state)) write(`(node ${state.node}) you: `);
  for await (const line of lines) {
    if (isDialogOver(state)) break;
    write(`> ${line}`);
    [state, commands] = transition(compiled, state, lineToEvent(line, now()), ctx);
    write(describeCommands(state, commands).join('\n'));
    settle();
    if (isDialogOver(state)) break;
    write(`(node ${state.node}) you: `);
  }
  if (!isDialogOver(state)) {
    [state, commands] = transition(compiled, state, { type: 'hangup', at: now(), party: 'person' }, ctx);
    write(describeCommands(state, commands).join('\n'));
  }
  return state;
}

async function main(): Promise<void> {
  const args = parseChatArgs(process.argv.slice(2));
  const def = loadDefinition(args.source, args.language);
  const issues = validateScenario(def);
  for (const i of issues) process.stderr.write(`warning: ${i.path}: ${i.message}\n`);
  const compiled = compileScenario(def);
  // Variables without a value read as their name, so a chat without --var still makes sense.
  const variables: Record<string, string> = {};
  for (const v of def.variables) if (v.default === undefined) variables[v.name] = `(${v.name})`;
  variables.name ??= args.language === 'zh' ? '张先生' : 'Alex';
  Object.assign(variables, args.variables);
  process.stdout.write(`${def.name} — type an answer, #1 for keys, an empty line for silence, /hangup to end\n`);
  const rl = createInterface({ input: process.stdin, terminal: false });
  const state = await runChat(compiled, variables, rl, (l) => process.stdout.write(`${l}\n`));
  rl.close();
  if (!state.completed) process.stdout.write('(not completed)\n');
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
