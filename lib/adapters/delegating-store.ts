import type { Store } from '../ports/store';

/**
 * A Store that passes every call to another through `around` (identity here): the base of the wrappers that
 * count or time store calls (the local platform's in-flight counter, the SMA benchmark's round trips), so each
 * overrides one method instead of repeating the eight delegations.
 */
export class DelegatingStore implements Store {
  constructor(protected readonly inner: Store) {}

  /** Runs one store call; subclasses observe it here. */
  protected around<T>(op: () => Promise<T>): Promise<T> {
    return op();
  }

  get(...a: Parameters<Store['get']>) { return this.around(() => this.inner.get(...a)); }
  batchGet(...a: Parameters<Store['batchGet']>) { return this.around(() => this.inner.batchGet(...a)); }
  put(...a: Parameters<Store['put']>) { return this.around(() => this.inner.put(...a)); }
  update(...a: Parameters<Store['update']>) { return this.around(() => this.inner.update(...a)); }
  delete(...a: Parameters<Store['delete']>) { return this.around(() => this.inner.delete(...a)); }
  query(...a: Parameters<Store['query']>) { return this.around(() => this.inner.query(...a)); }
  batchPut(...a: Parameters<Store['batchPut']>) { return this.around(() => this.inner.batchPut(...a)); }
  batchDelete(...a: Parameters<Store['batchDelete']>) { return this.around(() => this.inner.batchDelete(...a)); }
}
