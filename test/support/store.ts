import { DelegatingStore } from '../../lib/adapters/delegating-store';
import type { ItemKey, Store } from '../../lib/ports/store';

/**
 * A store that, the first time `key` is read, runs `meanwhile` after the read and before handing the item back:
 * another writer commits between this one's read and its write (a real interleaving, not a mock of the result).
 * `ran()` says whether it happened, so a test can check the interleaving it meant to test took place.
 */
export function afterFirstGet(inner: Store, key: ItemKey, meanwhile: () => Promise<void>): Store & { ran(): boolean } {
  let done = false;
  return new (class extends DelegatingStore {
    override async get(k: ItemKey) {
      const item = await this.inner.get(k);
      if (!done && k.pk === key.pk && k.sk === key.sk) {
        done = true;
        await meanwhile();
      }
      return item;
    }
    ran() {
      return done;
    }
  })(inner);
}
