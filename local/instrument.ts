/**
 * Wraps a handler of the named function (as deployed: `sma`, `dialer`, `tick`, `dispatch`, `sweep`,
 * `worker`, `recordings`), so a runtime can count, time or fail its invocations.
 */
export type Instrument = <A extends unknown[], R>(functionName: string, handler: (...args: A) => Promise<R>) => (...args: A) => Promise<R>;

/** The instrument that changes nothing. */
export const noInstrument: Instrument = (_name, handler) => handler;
