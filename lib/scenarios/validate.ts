/**
 * Validation on publish (S10): unreachable nodes, dead ends without hang-up, unknown intents or tags,
 * undefined variables, loops without exit. Each issue names the node and the field, so the editor
 * can point at it. Pure; the repository turns issues into a ValidationError.
 */
import type { FieldIssue } from '../core/errors';
import { BUILTIN_INTENT_NAMES } from '../nlu/builtin-intent-names';
import { templateVariables } from './interpolate';
import { CONTACT_VARIABLES, type Policy, type ScenarioDefinition, type ScenarioNode } from './schema';

/** One problem found by validation. */
export interface ScenarioIssue extends FieldIssue {
  /** Stable kind of problem. */
  code:
    | 'missingStart'
    | 'duplicate'
    | 'unknownNode'
    | 'unknownIntent'
    | 'emptyIntent'
    | 'unknownTag'
    | 'undefinedVariable'
    | 'unreachable'
    | 'deadEnd'
    | 'loopWithoutExit'
    | 'endlessPolicy'
    | 'missingField';
  /** The node concerned, when there is one. */
  nodeId?: string;
}

/** Names of the built-in intents a branch may use without defining them. */
export { BUILTIN_INTENT_NAMES };

/** Node ids a node can lead to (branches, next, policy jumps). */
export function successors(node: ScenarioNode): string[] {
  const out: string[] = [];
  if (node.kind === 'branch') {
    for (const b of node.branches) out.push(b.next);
    for (const s of [...node.noMatch, ...node.silence]) if (s.action === 'jump' && s.target) out.push(s.target);
  } else if (node.kind === 'say') {
    if (node.next) out.push(node.next);
  } else if (node.action === 'complete' && node.next) out.push(node.next);
  return out;
}

/** True when reaching the node can end the call by itself. */
function endsCall(node: ScenarioNode): boolean {
  if (node.kind === 'action') return node.action !== 'complete' || !node.next;
  if (node.kind === 'branch') return [node.noMatch, node.silence].some((p) => p[p.length - 1]!.action === 'hangUp');
  return false;
}

/** Validates a definition for publishing; an empty list means it may be published. */
export function validateScenario(def: ScenarioDefinition): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const add = (code: ScenarioIssue['code'], path: string, message: string, nodeId?: string) =>
    issues.push({ code, path, message, ...(nodeId !== undefined ? { nodeId } : {}) });

  // Free-text tag groups hold captured answers, which later prompts may read (e.g. @promiseDate).
  const declared = new Set<string>([...CONTACT_VARIABLES, ...def.variables.map((v) => v.name), ...capturedNames(def)]);
  const checkText = (text: string | undefined, path: string, where: string, nodeId?: string) => {
    if (!text) return;
    for (const v of templateVariables(text))
      if (!declared.has(v)) add('undefinedVariable', path, `${where} uses @${v}, which is not a declared variable`, nodeId);
  };

  if (def.external) {
    checkText(def.external.welcomeText, 'external.welcomeText', 'the welcome text');
    return issues;
  }

  const dupes = (names: string[], path: string, what: string) => {
    const seen = new Set<string>();
    names.forEach((n, i) => {
      if (seen.has(n)) add('duplicate', `${path}.${i}`, `${what} '${n}' is defined twice`);
      seen.add(n);
    });
  };
  dupes(def.nodes.map((n) => n.id), 'nodes', 'node');
  dupes(def.intents.map((n) => n.name), 'intents', 'intent');
  dupes(def.globalQuestions.map((n) => n.id), 'globalQuestions', 'global question');
  dupes(def.tagGroups.map((n) => n.name), 'tagGroups', 'tag group');
  dupes(def.variables.map((n) => n.name), 'variables', 'variable');

  const nodes = new Map(def.nodes.map((n) => [n.id, n]));
  const intents = new Set([...BUILTIN_INTENT_NAMES, ...def.intents.map((i) => i.name)]);
  const tagGroups = new Map(def.tagGroups.map((g) => [g.name, g]));

  def.intents.forEach((intent, i) => {
    if (intent.examples.length === 0 && intent.keywords.length === 0)
      add('emptyIntent', `intents.${i}`, `intent '${intent.name}' has no examples or keywords, so it can never be recognised`);
  });

  if (!def.startNode) add('missingStart', 'startNode', 'the scenario has no start node');
  else if (!nodes.has(def.startNode)) add('unknownNode', 'startNode', `the start node '${def.startNode}' does not exist`);

  const refNode = (target: string | undefined, path: string, where: string, nodeId?: string) => {
    if (target !== undefined && !nodes.has(target)) add('unknownNode', path, `${where} goes to '${target}', which is not a node`, nodeId);
  };
  const checkPolicy = (policy: Policy, path: string, node: ScenarioNode, what: string) => {
    policy.forEach((step, k) => {
      const p = `${path}.${k}`;
      if (step.action === 'jump') {
        if (!step.target) add('missingField', `${p}.target`, `node '${node.id}': ${what} step ${k + 1} jumps but has no target`, node.id);
        else refNode(step.target, `${p}.target`, `node '${node.id}': ${what} step ${k + 1}`, node.id);
      }
      checkText(step.say, `${p}.say`, `node '${node.id}': ${what} step ${k + 1}`, node.id);
    });
    const last = policy[policy.length - 1]!;
    if (last.action === 'reprompt' || last.action === 'variant')
      add('endlessPolicy', `${path}.${policy.length - 1}`, `node '${node.id}': the last ${what} step must hang up or jump, otherwise the node asks forever`, node.id);
  };

  def.nodes.forEach((node, i) => {
    const at = `nodes.${i}`;
    const where = `node '${node.id}'`;
    if ('prompt' in node && node.prompt) {
      checkText(node.prompt.text, `${at}.prompt.text`, `${where} prompt`, node.id);
      node.prompt.variants.forEach((v, k) => checkText(v, `${at}.prompt.variants.${k}`, `${where} prompt variant ${k + 1}`, node.id));
    }
    for (const [group, value] of Object.entries(node.tags ?? {})) {
      const g = tagGroups.get(group);
      if (!g) add('unknownTag', `${at}.tags.${group}`, `${where} sets tag group '${group}', which is not defined`, node.id);
      else if (g.values.length > 0 && !g.values.includes(value))
        add('unknownTag', `${at}.tags.${group}`, `${where} sets ${group} = '${value}', which is not one of ${g.values.join(', ')}`, node.id);
    }
    if (node.kind === 'branch') {
      if (node.branches.length === 0) add('deadEnd', `${at}.branches`, `${where} listens but has no branches`, node.id);
      node.branches.forEach((b, k) => {
        if (b.intent !== undefined && !intents.has(b.intent)) add('unknownIntent', `${at}.branches.${k}.intent`, `${where} branch ${k + 1} uses intent '${b.intent}', which is neither defined nor built in`, node.id);
        refNode(b.next, `${at}.branches.${k}.next`, `${where} branch ${k + 1}`, node.id);
      });
      for (const [key, intent] of Object.entries(node.keypad?.map ?? {})) {
        if (!intents.has(intent)) add('unknownIntent', `${at}.keypad.map.${key}`, `${where} maps key ${key} to intent '${intent}', which is neither defined nor built in`, node.id);
        else if (!node.branches.some((b) => b.intent === intent))
          add('unknownIntent', `${at}.keypad.map.${key}`, `${where} maps key ${key} to intent '${intent}', which has no branch at this node`, node.id);
      }
      if (!node.speech && !node.keypad?.enabled) add('deadEnd', `${at}.speech`, `${where} accepts neither speech nor keys`, node.id);
      checkPolicy(node.noMatch, `${at}.noMatch`, node, 'no-match');
      checkPolicy(node.silence, `${at}.silence`, node, 'silence');
      if (typeof node.capture === 'string') {
        const g = tagGroups.get(node.capture);
        if (!g) add('unknownTag', `${at}.capture`, `${where} captures into tag group '${node.capture}', which is not defined`, node.id);
        else if (g.values.length > 0) add('unknownTag', `${at}.capture`, `${where} captures into tag group '${node.capture}', which has fixed values; captures need a free-text group`, node.id);
      } else if (node.capture) {
        const name = node.capture.variable;
        if (tagGroups.get(name)?.values.length) add('unknownTag', `${at}.capture.variable`, `${where} captures into '${name}', a tag group with fixed values; use a free-text group or another name`, node.id);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) add('missingField', `${at}.capture.variable`, `${where} captures into '${name}': prompts can only read letters, digits and _`, node.id);
      }
    } else if (node.kind === 'say') {
      if (!node.next) add('deadEnd', `${at}.next`, `${where} is a dead end: give it a next node, e.g. a hang-up action`, node.id);
      refNode(node.next, `${at}.next`, where, node.id);
    } else {
      if (node.action === 'transfer' && !node.to) add('missingField', `${at}.to`, `${where} transfers but has no number`, node.id);
      refNode(node.next, `${at}.next`, where, node.id);
    }
  });

  def.globalQuestions.forEach((q, i) => {
    checkText(q.answer.text, `globalQuestions.${i}.answer.text`, `global question '${q.id}' answer`);
    q.answer.variants.forEach((v, k) => checkText(v, `globalQuestions.${i}.answer.variants.${k}`, `global question '${q.id}' answer variant ${k + 1}`));
    refNode(q.next, `globalQuestions.${i}.next`, `global question '${q.id}'`);
  });

  // Graph checks only make sense once every reference resolves.
  if (issues.some((i) => i.code === 'unknownNode' || i.code === 'missingStart' || i.code === 'duplicate')) return issues;

  const index = new Map(def.nodes.map((n, i) => [n.id, i]));
  const reachable = new Set<string>();
  const roots = [def.startNode!, ...def.globalQuestions.flatMap((q) => (q.next ? [q.next] : []))];
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (reachable.has(id)) continue;
    reachable.add(id);
    for (const s of successors(nodes.get(id)!)) stack.push(s);
  }
  for (const node of def.nodes)
    if (!reachable.has(node.id)) add('unreachable', `nodes.${index.get(node.id)}`, `node '${node.id}' cannot be reached from the start node '${def.startNode}'`, node.id);

  // A node can end when some path from it reaches a node that ends the call.
  const preds = new Map<string, string[]>();
  for (const n of def.nodes) for (const s of successors(n)) preds.set(s, [...(preds.get(s) ?? []), n.id]);
  const canEnd = new Set<string>();
  const queue = def.nodes.filter(endsCall).map((n) => n.id);
  while (queue.length) {
    const id = queue.pop()!;
    if (canEnd.has(id)) continue;
    canEnd.add(id);
    for (const p of preds.get(id) ?? []) queue.push(p);
  }
  for (const node of def.nodes) {
    if (!reachable.has(node.id) || canEnd.has(node.id)) continue;
    if (node.kind === 'say' && !node.next) continue; // already reported as a dead end
    const onCycle = findCycle(node.id, nodes);
    add(
      onCycle ? 'loopWithoutExit' : 'deadEnd',
      `nodes.${index.get(node.id)}`,
      onCycle
        ? `node '${node.id}' is in a loop without exit (${onCycle.join(' → ')}): no path from it hangs up`
        : `node '${node.id}' leads only to dead ends: no path from it hangs up`,
      node.id,
    );
  }
  return issues;
}

/** A cycle through `start` as a list of node ids (start … start), or undefined. */
function findCycle(start: string, nodes: Map<string, ScenarioNode>): string[] | undefined {
  const parent = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length) {
    const id = queue.shift()!;
    for (const s of successors(nodes.get(id)!)) {
      if (s === start) {
        const path = [start];
        for (let cur = id; cur !== start; cur = parent.get(cur)!) path.splice(1, 0, cur);
        if (id !== start) return [...path, start];
        return [start, start];
      }
      if (!seen.has(s)) {
        seen.add(s);
        parent.set(s, id);
        queue.push(s);
      }
    }
  }
  return undefined;
}

/**
 * Variables a scenario's prompts use (S2), in order of first use, including the contact's standard
 * fields (`name`, `honorific`) but not answers captured during the call.
 */
export function listScenarioVariables(def: ScenarioDefinition): string[] {
  const texts: string[] = [];
  for (const n of def.nodes) {
    if ('prompt' in n && n.prompt) texts.push(n.prompt.text, ...n.prompt.variants);
    if (n.kind === 'branch') for (const s of [...n.noMatch, ...n.silence]) if (s.say) texts.push(s.say);
  }
  for (const q of def.globalQuestions) texts.push(q.answer.text, ...q.answer.variants);
  if (def.external?.welcomeText) texts.push(def.external.welcomeText);
  const captured = capturedNames(def);
  const names: string[] = [];
  for (const t of texts) for (const v of templateVariables(t)) if (!names.includes(v) && !captured.has(v)) names.push(v);
  return names;
}

/** Names of values captured during a call: free-text tag groups and the variables nodes capture into. */
export function capturedNames(def: ScenarioDefinition): Set<string> {
  const out = new Set(def.tagGroups.filter((g) => g.values.length === 0).map((g) => g.name));
  for (const n of def.nodes) if (n.kind === 'branch' && n.capture) out.add(typeof n.capture === 'string' ? n.capture : n.capture.variable);
  return out;
}
