import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PHONE_GEO_FOLDER, phoneGeoCopyCommands } from '../../../../lib/adapters/geo/bundle';
import { LibphonenumberGeo } from '../../../../lib/adapters/geo/libphonenumber-geo';

describe('phoneGeoCopyCommands', () => {
  it('copies data the adapter can read from beside a bundle', async () => {
    const out = mkdtempSync(join(tmpdir(), 'bundle-'));
    for (const command of phoneGeoCopyCommands(process.cwd(), out)) execFileSync('sh', ['-c', command]);
    expect(existsSync(join(out, PHONE_GEO_FOLDER, 'timezones.bson'))).toBe(true);
    const geo = new LibphonenumberGeo({ dataDir: join(out, PHONE_GEO_FOLDER) });
    expect((await geo.locate(['+12065280100'])).get('+12065280100')).toMatchObject({ city: 'Seattle', region: 'WA', zones: ['America/Los_Angeles'] });
  });
});
