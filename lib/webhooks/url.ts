import { isIP } from 'node:net';
import { expectOnly, ValidationError } from '../core/errors';

/** Longest endpoint URL accepted. */
export const MAX_URL_LENGTH = 2000;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** True for IP literals a public webhook must not point at (loopback, private, link-local, CGNAT, unique-local, unspecified). */
export function isPrivateAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  const version = isIP(h);
  if (version === 4) {
    const [a, b] = h.split('.').map(Number) as [number, number, number, number];
    return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
  }
  if (version === 6) {
    if (h === '::' || h === '::1') return true;
    if (h.startsWith('fe80:') || h.startsWith('fc') || h.startsWith('fd')) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped ? isPrivateAddress(mapped[1]!) : false;
  }
  return false;
}

/**
 * Checks a webhook endpoint and returns it normalised. Deployed, only `https://` to a public host
 * (no loopback, private or link-local address literal, no `localhost`); in the local runtime,
 * `http://` to the loopback interface is allowed as well, so a receiver on the laptop can listen.
 * Credentials in the URL are refused (they would show in logs and the API).
 */
export function validateEndpoint(raw: string, options: { local: boolean }): string {
  const fail = (message: string): never => {
    throw new ValidationError(`url ${message}`, [{ path: 'url', message }]);
  };
  if (raw.length > MAX_URL_LENGTH) fail(`must be at most ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    expectOnly(error, TypeError);
    return fail('is not a valid URL');
  }
  if (url.username || url.password) fail('must not contain credentials');
  if (url.hash) fail('must not contain a fragment');
  const host = url.hostname.toLowerCase();
  const loopback = LOOPBACK_HOSTS.has(host) || host.endsWith('.localhost');
  if (url.protocol === 'http:') {
    if (!(options.local && loopback)) fail(options.local ? 'must use https (http only to 127.0.0.1 or localhost locally)' : 'must use https');
  } else if (url.protocol !== 'https:') {
    fail('must use https');
  }
  if (!options.local && (loopback || isPrivateAddress(host))) fail('must point at a public host');
  return url.toString();
}
