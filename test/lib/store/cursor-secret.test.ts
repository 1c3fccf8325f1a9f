import { describe, expect, it } from 'vitest';
import { loadCursorSecret } from '../../../lib/store/cursor-secret';
import { keys } from '../../../lib/store/keys';
import { testDeps } from '../../support/deps';

describe('loadCursorSecret', () => {
  it('gives every concurrent caller the same secret when none is kept yet', async () => {
    const { store } = testDeps().deps;
    const secrets = await Promise.all(Array.from({ length: 8 }, () => loadCursorSecret(store)));
    expect(new Set(secrets).size).toBe(1);
    expect(Buffer.from(secrets[0]!, 'base64')).toHaveLength(32);
    expect((await store.get(keys.cursorSecret()))?.secret).toBe(secrets[0]);
  });

  it('returns the kept secret on later starts', async () => {
    const { store } = testDeps().deps;
    await store.put({ ...keys.cursorSecret(), type: 'cursorSecret', secret: 'kept' });
    expect(await loadCursorSecret(store)).toBe('kept');
  });
});
