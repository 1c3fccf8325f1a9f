/**
 * `npm run demo`: the whole product on this machine in about a minute. It starts the local platform
 * on a fast clock, publishes a template, imports a few hundred contacts spread over the scripted
 * people of local/people.json, runs the campaign with live progress, prints the final statistics,
 * checks that the numbers add up (every job terminal, one call record per attempt, each call's
 * status the one its scripted person produces) and says where the records and recordings are.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listJobs } from '../lib/campaigns/repository';
import { createLogger } from '../lib/core/log';
import type { CallStatus } from '../lib/domain/statuses';
import { TERMINAL_JOB_STATUSES } from '../lib/domain/statuses';
import { listCallsOfJob, type CallRecord } from '../lib/telephony/call-records';
import { startLocalPlatform, type Platform } from './platform';
import { loadPeople } from './telephony/people';

/** The call status each scripted person of local/people.json produces. */
export const EXPECTED_STATUS: Record<string, CallStatus> = {
  cooperative: 'Succeeded',
  refuses: 'Succeeded',
  wrongPerson: 'Succeeded',
  busy: 'Busy',
  noAnswer: 'NoAnswer',
  doesNotExist: 'NotExist',
  unavailable: 'NotConnected',
  poweredOff: 'PoweredOff',
  emptyNumber: 'EmptyNumber',
  voicemail: 'Voicemail',
  silent: 'Succeeded',
  bargeIn: 'Succeeded',
  pressesKeys: 'Succeeded',
  hangsUpMidway: 'Succeeded',
  zhCooperative: 'Succeeded',
  zhPoweredOff: 'PoweredOff',
  zhArrears: 'InArrears',
};

const CALLER = '+12065559999';

/** Contacts spread evenly over the people's number prefixes. */
export function demoContacts(count: number): { phone: string; name: string; referenceId: string; variables: Record<string, string> }[] {
  const book = loadPeople();
  const prefixes = book.file.numbers.filter((n) => EXPECTED_STATUS[n.person]).map((n) => n.prefix);
  return Array.from({ length: count }, (_, i) => {
    const prefix = prefixes[i % prefixes.length]!;
    // E.164 lengths: 11 digits for +1 numbers, 13 for +86 mobiles.
    const digits = prefix.startsWith('+86') ? 13 : 11;
    const phone = `${prefix}${String(i).padStart(digits - (prefix.length - 1), '0')}`;
    return { phone, name: `Contact ${i + 1}`, referenceId: `demo-${i + 1}`, variables: { organization: 'City Bank', amount: `${20 + (i % 80)} dollars`, dueDate: 'March 1st' } };
  });
}

async function api(p: Platform, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${p.url}${path}`, {
    method,
    headers: { 'x-api-key': p.apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
  return json;
}

const pct = (a: number, b: number) => (b ? `${((100 * a) / b).toFixed(1)}%` : '-');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      contacts: { type: 'string', default: '300' },
      speed: { type: 'string', default: '40' },
      template: { type: 'string', default: 'payment-reminder' },
      'data-dir': { type: 'string' },
    },
  });
  const count = Number(values.contacts);
  const speed = Number(values.speed);
  const wallStart = Date.now();
  const dataDir = values['data-dir'] ?? join(tmpdir(), `reachout-demo-${wallStart}`);
  mkdirSync(dataDir, { recursive: true });
  // Start on a weekday morning so the calling windows are open from the first tick.
  const start = Date.UTC(2026, 0, 5, 9, 0, 0);
  const platform = await startLocalPlatform({ dataDir, speed, start, port: 0, callsPerSecond: 5, log: createLogger({ service: 'demo' }, 'error') });
  const out = (line: string) => process.stdout.write(line + '\n');
  try {
    out(`Reachout demo — local platform at ${platform.url}, clock x${speed}, data in ${dataDir}`);
    await api(platform, 'PATCH', '/instance', {
      settings: {
        maxConcurrency: 30,
        windows: { ranges: [{ start: '00:00', end: '23:59' }], weekdaysOnly: false, calleeLocalTime: false },
        callerNumbers: [{ phoneNumber: CALLER }],
        dailyCapPerCallee: 5,
      },
    });

    const scenario = await api(platform, 'POST', `/templates/${values.template}/instantiate`, { language: 'en', name: 'Demo reminder' });
    const published = await api(platform, 'POST', `/scenarios/${scenario.scenarioId}/publish`, {});
    const version: number = published.version.version;
    out(`Published scenario ${scenario.scenarioId} v${version} from template "${values.template}"`);

    const campaign = await api(platform, 'POST', '/campaigns', {
      name: 'Demo campaign',
      scenarioId: scenario.scenarioId,
      scenarioVersion: version,
      retry: { retries: 1, intervalSeconds: 60, maxRingSeconds: 45 },
      callerNumbers: [CALLER],
    });
    const campaignId: string = campaign.campaignId;
    const contacts = demoContacts(count);
    const imported = await api(platform, 'POST', `/campaigns/${campaignId}/contacts`, { contacts });
    if ((imported.rejections ?? []).length) out(`  rejected: ${JSON.stringify(imported.rejections.slice(0, 3))}`);
    out(`Imported ${imported.accepted ?? contacts.length} contacts over ${new Set(contacts.map((c) => loadPeople().nameFor(c.phone))).size} scripted people`);
    await api(platform, 'POST', `/campaigns/${campaignId}/start`, {});
    out('Campaign started.\n');

    const deadline = Date.now() + 110_000;
    let last = '';
    for (;;) {
      await new Promise((r) => setTimeout(r, 1000));
      const view = await api(platform, 'GET', `/campaigns/${campaignId}`);
      const p = view.progress;
      const clock = new Date(platform.clock.now()).toISOString().slice(11, 19);
      const line = `  clock ${clock} | completed ${p.completed}/${p.total} | succeeded ${p.succeeded} | not answered ${p.notAnswered} | in progress ${p.inProgress} | calls ${p.callsPlaced} | answer rate ${(100 * p.answerRate).toFixed(1)}% | ${view.state}`;
      if (line !== last) out(line);
      last = line;
      if (view.state === 'completed' || (p.total && p.completed >= p.total)) break;
      if (Date.now() > deadline) throw new Error('the demo campaign did not finish in time');
    }
    await platform.idle();

    // Check that the numbers add up, from the records themselves.
    const book = loadPeople();
    const calls: CallRecord[] = [];
    const problems: string[] = [];
    const statusCounts = new Map<string, number>();
    let jobs = 0;
    let cursor: string | undefined;
    do {
      const page = await listJobs(platform.deps.store, platform.instanceId, campaignId, { limit: 200, cursor });
      for (const job of page.items) {
        jobs++;
        if (!TERMINAL_JOB_STATUSES.includes(job.status)) problems.push(`job ${job.jobId} is ${job.status}`);
        const jobCalls = await listCallsOfJob(platform.deps.store, platform.instanceId, job.jobId);
        calls.push(...jobCalls);
        if (jobCalls.length !== job.attempts) problems.push(`job ${job.jobId}: ${job.attempts} attempts but ${jobCalls.length} call records`);
        const expected = EXPECTED_STATUS[book.nameFor(job.contact.phone)];
        for (const c of jobCalls) {
          statusCounts.set(c.status, (statusCounts.get(c.status) ?? 0) + 1);
          if (c.status !== expected) problems.push(`call ${c.callId} to ${book.nameFor(job.contact.phone)} is ${c.status}, expected ${expected}`);
        }
      }
      cursor = page.cursor;
    } while (cursor);

    const stats = await api(platform, 'GET', `/campaigns/${campaignId}/statistics`).catch(() => undefined);
    out('\nFinal statistics');
    out(`  jobs ${jobs}, calls placed ${calls.length} (with retries), answered conversations ${calls.filter((c) => c.answered).length} (${pct(calls.filter((c) => c.answered).length, calls.length)})`);
    out(`  dialog completed ${calls.filter((c) => c.completed).length}, recordings ${calls.filter((c) => c.recordingKey).length}, transcript turns ${calls.reduce((n, c) => n + c.turns, 0)}`);
    out(`  call statuses: ${[...statusCounts.entries()].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${n}`).join(', ')}`);
    if (stats) out(`  statistics endpoint: ${JSON.stringify(stats).slice(0, 600)}`);
    const recordsFile = join(dataDir, 'demo-calls.jsonl');
    writeFileSync(recordsFile, calls.map((c) => JSON.stringify(c)).join('\n') + '\n');
    out('\nWhere things are');
    out(`  call detail records: ${recordsFile} (and GET ${platform.url}/calls?campaignId=${campaignId})`);
    out(`  recordings (WAV):    ${join(dataDir, 'blobs', 'recordings')}`);
    out(`  transcripts:         GET ${platform.url}/calls/<callId>/transcript  (x-api-key: ${platform.apiKey})`);
    out(`  store and blobs:     ${dataDir}`);
    out(`\nChecks: ${problems.length === 0 ? 'every job terminal, one call record per attempt, every status as scripted — OK' : `${problems.length} problem(s)`}`);
    for (const p of problems.slice(0, 20)) out(`  - ${p}`);
    out(`Finished in ${((Date.now() - wallStart) / 1000).toFixed(1)} s wall time.`);
    if (problems.length) process.exitCode = 1;
  } finally {
    await platform.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    // Background consumers of the platform may hold timers; the demo is over, so leave.
    () => process.exit(process.exitCode ?? 0),
    (e) => {
      process.stderr.write(`demo failed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
