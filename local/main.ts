import { parseArgs } from 'node:util';
import { createLogger } from '../lib/core/log';
import { startLocalPlatform } from './platform';

/** `npm start`: runs the whole platform locally and prints how to call it. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      memory: { type: 'boolean', default: false },
      speed: { type: 'string', default: '1' },
      port: { type: 'string', default: process.env.PORT ?? '3000' },
      'data-dir': { type: 'string' },
      people: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'npm start -- [--memory] [--speed N] [--port N] [--data-dir DIR] [--people FILE]',
        '  --memory     throwaway run: nothing is kept after exit',
        '  --speed N    run the clock N times faster than real time (calls, windows, retries)',
        '  --port N     HTTP port (default 3000; 0 = any free port)',
        '  --data-dir   where the store, blobs and credentials live (default .reachout)',
        '  --people     scripted people for the telephony simulator (default local/people.json)',
        '',
      ].join('\n'),
    );
    return;
  }
  const speed = Number(values.speed);
  if (!Number.isFinite(speed) || speed <= 0) throw new Error('--speed must be a positive number');
  const platform = await startLocalPlatform({
    memory: values.memory,
    speed,
    port: Number(values.port),
    dataDir: values['data-dir'],
    peopleFile: values.people,
    geo: true,
    log: createLogger({ service: 'local' }, (process.env.LOG_LEVEL as 'info') ?? 'warn'),
  });
  const curl = (path: string) => `curl -s -H 'x-api-key: ${platform.apiKey}' ${platform.url}${path}`;
  process.stdout.write(
    [
      `Reachout is running at ${platform.url} (clock x${speed}, data in ${values.memory ? 'memory' : platform.dataDir})`,
      `Instance: ${platform.instanceId}`,
      `API key:  ${platform.apiKey}`,
      '',
      'Try:',
      `  curl -s ${platform.url}/health`,
      `  ${curl('/instance')}`,
      `  curl -s ${platform.url}/openapi.json`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  const stop = async () => {
    await platform.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`reachout: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
