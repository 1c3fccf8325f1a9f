import type { SmaServices } from './services';

/** The SMA handler's collaborators from the real campaign, scenario and dialog modules. */
export function realSmaServices(): SmaServices {
  const missing = (what: string) => async () => {
    throw new Error(`${what} is not wired yet`);
  };
  return { loadPlan: missing('loadPlan'), loadDialog: missing('loadDialog'), finishCall: missing('finishCall') };
}
