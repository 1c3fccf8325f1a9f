import type { Deps } from '../core/deps';
import { compileCached, initialState, parseDialogState, startDialog, transition } from '../dialog/engine';
import { providerIntent, type ProviderRecognizers } from '../dialog/provider-intent';
import { getScenarioVersion } from '../scenarios/repository';
import type { DialogDriver } from './call-session';

/**
 * Loads a published scenario version and binds it to the dialog engine for the call session.
 * Published versions are immutable, so the compiled scenario is cached per container by
 * `<instance>/<scenario>@<version>`; only a cold container reads the store.
 */
export async function loadDialogDriver(
  deps: Pick<Deps, 'store'>,
  instanceId: string,
  scenarioId: string,
  version: number,
  providers?: ProviderRecognizers,
): Promise<DialogDriver | undefined> {
  const v = await getScenarioVersion(deps.store, instanceId, scenarioId, version);
  if (!v) return undefined;
  const key = `${instanceId}/${scenarioId}@${version}`;
  const compiled = compileCached(key, v.definition);
  const external = providers && compiled.definition.recognition.provider.kind !== 'builtin' ? await providers(compiled, key) : undefined;
  return {
    ...(external
      ? { decide: (state: unknown, text: string, sessionId?: string) => providerIntent(compiled, parseDialogState(state) ?? initialState(compiled), text, external, sessionId) }
      : {}),
    start: (variables, at, options) => startDialog(compiled, { variables, at, ...(options?.timeZone ? { timeZone: options.timeZone } : {}) }),
    next: (state, event, variables, options) =>
      transition(compiled, parseDialogState(state) ?? initialState(compiled), event, { variables, ...(options?.timeZone ? { timeZone: options.timeZone } : {}) }),
  };
}


/** Loads a dialog driver (for tests: a fake scenario). */
export type DialogLoader = (deps: Pick<Deps, 'store'>, instanceId: string, scenarioId: string, version: number) => Promise<DialogDriver | undefined>;

/** A loader that remembers drivers per container (failures are not remembered, so the next call retries). */
export function cachedDialogLoader(load: DialogLoader = loadDialogDriver, size = 64): DialogLoader {
  const drivers = new Map<string, Promise<DialogDriver | undefined>>();
  return (deps, instanceId, scenarioId, version) => {
    const key = `${instanceId}/${scenarioId}@${version}`;
    let d = drivers.get(key);
    if (!d) {
      d = load(deps, instanceId, scenarioId, version).then((driver) => {
        if (!driver) drivers.delete(key);
        return driver;
      }, (error: unknown) => {
        drivers.delete(key);
        throw error;
      });
      drivers.set(key, d);
      if (drivers.size > size) drivers.delete(drivers.keys().next().value!);
    }
    return d;
  };
}
