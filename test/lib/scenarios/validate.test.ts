import { describe, expect, it } from 'vitest';
import { ScenarioDefinition, type ScenarioDefinitionInput } from '../../../lib/scenarios/schema';
import { TEMPLATES } from '../../../lib/scenarios/templates/index';
import { listScenarioVariables, validateScenario } from '../../../lib/scenarios/validate';
import { sampleScenario } from '../dialog/fixtures';

const issues = (input: ScenarioDefinitionInput) => validateScenario(ScenarioDefinition.parse(input));
const withNodes = (nodes: ScenarioDefinitionInput['nodes'], extra: Partial<ScenarioDefinitionInput> = {}) => sampleScenario({ nodes, ...extra });
const base = sampleScenario().nodes!;

describe('validateScenario', () => {
  it('accepts a sound scenario', () => {
    expect(issues(sampleScenario())).toEqual([]);
  });

  it('accepts every template in both languages', () => {
    for (const t of TEMPLATES) for (const l of ['en', 'zh'] as const) expect(issues(t.definition(l)), `${t.id} ${l}`).toEqual([]);
  });

  it('reports a missing or unknown start node', () => {
    expect(issues(sampleScenario({ startNode: undefined }))).toMatchObject([{ code: 'missingStart', path: 'startNode' }]);
    expect(issues(sampleScenario({ startNode: 'nope' }))).toMatchObject([{ code: 'unknownNode', path: 'startNode' }]);
  });

  it('names the node and field of a branch to an unknown node', () => {
    const nodes = base.map((n) => (n.id === 'ask' && n.kind === 'branch' ? { ...n, branches: [...n.branches!, { intent: 'affirm', next: 'ghost' }] } : n));
    expect(issues(withNodes(nodes))).toEqual([
      { code: 'unknownNode', path: 'nodes.0.branches.3.next', nodeId: 'ask', message: "node 'ask' branch 4 goes to 'ghost', which is not a node" },
    ]);
  });

  it('reports unreachable nodes', () => {
    const r = issues(withNodes([...base, { id: 'orphan', kind: 'action', action: 'hangUp' }]));
    expect(r).toMatchObject([{ code: 'unreachable', nodeId: 'orphan', path: 'nodes.6', message: "node 'orphan' cannot be reached from the start node 'ask'" }]);
  });

  it('reports a say node without a next node as a dead end', () => {
    const nodes = base.map((n) => (n.id === 'no' ? { ...n, next: undefined } : n));
    expect(issues(withNodes(nodes))).toMatchObject([{ code: 'deadEnd', nodeId: 'no', path: 'nodes.2.next' }]);
  });

  it('reports unknown intents in branches and keypad mappings', () => {
    const nodes = base.map((n) =>
      n.id === 'ask' && n.kind === 'branch'
        ? { ...n, branches: [...n.branches!, { intent: 'teleport', next: 'bye' }], keypad: { enabled: true, map: { '5': 'fly' }, maxDigits: 1 } }
        : n,
    );
    const r = issues(withNodes(nodes));
    expect(r.map((i) => [i.code, i.path])).toEqual([
      ['unknownIntent', 'nodes.0.branches.3.intent'],
      ['unknownIntent', 'nodes.0.keypad.map.5'],
    ]);
    expect(r[0]!.message).toContain("'teleport'");
  });

  it('reports unknown tag groups and values', () => {
    const nodes = base.map((n) => (n.id === 'yes' ? { ...n, tags: { answer: 'maybe', mood: 'happy' } } : n));
    expect(issues(withNodes(nodes)).map((i) => [i.code, i.path])).toEqual([
      ['unknownTag', 'nodes.1.tags.answer'],
      ['unknownTag', 'nodes.1.tags.mood'],
    ]);
  });

  it('reports undefined variables with the prompt that uses them', () => {
    const nodes = base.map((n) => (n.id === 'bye' ? { ...n, prompt: { text: 'Bye @nickname' } } : n));
    expect(issues(withNodes(nodes))).toEqual([
      { code: 'undefinedVariable', path: 'nodes.5.prompt.text', nodeId: 'bye', message: "node 'bye' prompt uses @nickname, which is not a declared variable" },
    ]);
  });

  it('reports loops without exit', () => {
    const r = issues({
      name: 'loop',
      startNode: 'a',
      nodes: [
        { id: 'a', kind: 'say', prompt: { text: 'A' }, next: 'b' },
        { id: 'b', kind: 'say', prompt: { text: 'B' }, next: 'a' },
      ],
    });
    expect(r).toMatchObject([
      { code: 'loopWithoutExit', nodeId: 'a', message: "node 'a' is in a loop without exit (a → b → a): no path from it hangs up" },
      { code: 'loopWithoutExit', nodeId: 'b' },
    ]);
  });

  it('reports a policy that never ends', () => {
    const nodes = base.map((n) => (n.id === 'ask' ? { ...n, silence: [{ action: 'reprompt' as const }] } : n));
    expect(issues(withNodes(nodes))).toMatchObject([{ code: 'endlessPolicy', path: 'nodes.0.silence.0', nodeId: 'ask' }]);
  });

  it('reports a transfer without a number and a jump without a target', () => {
    const nodes = base.map((n) =>
      n.id === 'transfer' ? { ...n, to: undefined } : n.id === 'ask' ? { ...n, noMatch: [{ action: 'jump' as const }, { action: 'hangUp' as const }] } : n,
    );
    expect(issues(withNodes(nodes)).map((i) => i.path).sort()).toEqual(['nodes.0.noMatch.0.target', 'nodes.4.to']);
  });

  it('validates only the welcome text of an external dialog', () => {
    const ext = { kind: 'lexv2' as const, botAliasArn: 'arn:aws:lex:us-east-1:123456789012:bot-alias/B/A', localeId: 'en_US', welcomeText: 'Hi @who' };
    expect(issues({ name: 'x', external: ext })).toMatchObject([{ code: 'undefinedVariable', path: 'external.welcomeText' }]);
  });
});

describe('listScenarioVariables', () => {
  it('lists the variables prompts use, without captured answers', () => {
    expect(listScenarioVariables(ScenarioDefinition.parse(sampleScenario()))).toEqual(['name', 'amount']);
    const payment = TEMPLATES.find((t) => t.id === 'payment-reminder')!.definition('en');
    expect(listScenarioVariables(payment)).toEqual(['organization', 'name', 'amount', 'dueDate']);
  });
});

describe('captures and entity branches', () => {
  const base = {
    name: 'c',
    startNode: 'a',
    nodes: [
      { id: 'a', kind: 'branch' as const, prompt: { text: 'When?' }, capture: { variable: 'when', entity: 'date' as const }, branches: [{ entity: 'date' as const, next: 'b' }] },
      { id: 'b', kind: 'action' as const, action: 'hangUp' as const, prompt: { text: 'Noted for @when.' } },
    ],
  };

  it('accepts a branch on an entity and prompts that read the captured variable', () => {
    expect(validateScenario(ScenarioDefinition.parse(base))).toEqual([]);
    expect(listScenarioVariables(ScenarioDefinition.parse(base))).toEqual([]);
  });

  it('refuses a branch with neither intent nor entity, naming the field', () => {
    const r = ScenarioDefinition.safeParse({ ...base, nodes: [{ ...base.nodes[0], branches: [{ next: 'b' }] }, base.nodes[1]] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('a branch needs an intent, an entity or both');
  });

  it('refuses a capture into a tag group with fixed values or a name prompts cannot read', () => {
    const def = ScenarioDefinition.parse({ ...base, tagGroups: [{ name: 'when', values: ['x'] }] });
    expect(validateScenario(def).map((i) => i.path)).toContain('nodes.0.capture.variable');
    const dashed = ScenarioDefinition.parse({ ...base, nodes: [{ ...base.nodes[0], capture: { variable: 'pay-date', entity: 'date' } }, { ...base.nodes[1], prompt: { text: 'Noted.' } }] });
    expect(validateScenario(dashed).map((i) => i.path)).toContain('nodes.0.capture.variable');
  });
});
