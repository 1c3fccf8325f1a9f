/** Masks a phone number for logs: keeps the country code and the last 2 digits (D2). */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.length <= 4) return '***';
  return `${digits.slice(0, 3)}${'*'.repeat(Math.max(0, digits.length - 5))}${digits.slice(-2)}`;
}

const PHONE_RE = /\+?\d[\d\s-]{7,}\d/g;

/** Structured JSON logger; masks anything that looks like a phone number. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Creates a logger writing one JSON line per entry to stdout (CloudWatch-friendly). */
export function createLogger(
  base: Record<string, unknown> = {},
  level: Level = ((process.env.LOG_LEVEL ?? 'info').toLowerCase() as Level),
  write: (line: string) => void = (l) => process.stdout.write(l + '\n'),
): Logger {
  const emit = (lvl: Level, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < (ORDER[level] ?? 20)) return;
    const entry = { level: lvl, time: new Date().toISOString(), message, ...base, ...fields };
    write(
      JSON.stringify(entry, (_k, v) => {
        if (v instanceof Error) return { name: v.name, message: v.message };
        return typeof v === 'string' ? v.replace(PHONE_RE, (m) => maskPhone(m)) : v;
      }),
    );
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }, level, write),
  };
}

/** A logger that drops everything; for tests. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
