import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { withEventExamples } from '../lib/events/docs';
import { fetchEvents } from './events';

const HELP = [
  'npm run events -- [--follow] [--type T1,T2] [--since ISO] [--campaign ID] [--url URL] [--api-key KEY] [--data-dir DIR]',
  '  prints the events the local platform published, one JSON line each (the EventBridge envelope)',
  '  --follow     keep polling and print new events as they come (Ctrl-C stops)',
  '  --interval   polling interval in ms (default 1000)',
  '  --url        the platform (default http://127.0.0.1:$PORT or :3000)',
  '  --api-key    defaults to the key in <data-dir>/credentials.json (data dir default .reachout)',
  'npm run events -- --write-docs',
  '  rewrites the generated examples in docs/events.md from the event schemas',
  '',
].join('\n');

/** `npm run events`: prints (and follows) the local platform's events, or regenerates docs/events.md. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      follow: { type: 'boolean', short: 'f', default: false },
      type: { type: 'string' },
      since: { type: 'string' },
      campaign: { type: 'string' },
      url: { type: 'string' },
      'api-key': { type: 'string' },
      'data-dir': { type: 'string', default: '.reachout' },
      interval: { type: 'string', default: '1000' },
      'write-docs': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values['write-docs']) {
    const file = resolve('docs/events.md');
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '# Events\n';
    const after = withEventExamples(before);
    writeFileSync(file, after);
    process.stdout.write(before === after ? `${file} is up to date\n` : `${file} rewritten\n`);
    return;
  }
  const url = values.url ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`;
  let apiKey = values['api-key'];
  if (!apiKey) {
    const credentials = resolve(values['data-dir'], 'credentials.json');
    if (!existsSync(credentials)) throw new Error(`no --api-key and no ${credentials}; start the platform with npm start first`);
    apiKey = (JSON.parse(readFileSync(credentials, 'utf8')) as { apiKey: string }).apiKey;
  }
  const interval = Number(values.interval);
  if (!Number.isFinite(interval) || interval < 50) throw new Error('--interval must be at least 50 ms');
  const types = values.type?.split(',').map((t) => t.trim()).filter(Boolean);
  let after: number | undefined;
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
  });
  for (;;) {
    const page = await fetchEvents({ url, apiKey, types, since: values.since, campaignId: values.campaign, after, limit: 1000 });
    for (const item of page.items) process.stdout.write(JSON.stringify(item.event) + '\n');
    after = page.last;
    if (page.items.length === 1000) continue;
    if (!values.follow || stop) return;
    await new Promise((r) => setTimeout(r, interval));
    if (stop) return;
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`events: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
