import { ValidationError } from '../../lib/core/errors';
import type { Route } from './route';

/** Decodes one path segment; malformed percent-encoding (`%E0%A4%A`, `%ZZ`, a lone surrogate) is a 400 naming the segment. */
export function decodeSegment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch (error) {
    if (!(error instanceof URIError)) throw error;
    const shown = raw.length > 60 ? `${raw.slice(0, 60)}…` : raw;
    throw new ValidationError(`path segment {${name}} "${shown}" is not valid percent-encoding (UTF-8 bytes as %XX)`, [
      { path: `path.${name}`, message: 'malformed percent-encoding' },
    ]);
  }
}

/** A route with its path compiled to a matcher. */
export interface CompiledRoute {
  route: Route;
  regex: RegExp;
  names: string[];
  /** Literal segments count; more literal routes win over placeholders (`/x/copy` before `/x/{id}`). */
  literalSegments: number;
}

/** Compiles route paths once per module. */
export function compileRoutes(routes: Route[]): CompiledRoute[] {
  const compiled = routes.map((route) => {
    const names: string[] = [];
    const pattern = route.path
      .split('/')
      .map((seg) => {
        const m = /^\{(\w+)\}$/.exec(seg);
        if (m) {
          names.push(m[1]!);
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    const literalSegments = route.path.split('/').filter((s) => s && !s.startsWith('{')).length;
    return { route, regex: new RegExp(`^${pattern}/?$`), names, literalSegments };
  });
  return compiled.sort((a, b) => b.literalSegments - a.literalSegments);
}

/** Result of matching a request against the routes. */
export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'methodNotAllowed'; allowed: string[] }
  | { kind: 'notFound' };

/** Finds the route for a method and path. */
export function matchRoute(compiled: CompiledRoute[], method: string, path: string): RouteMatch {
  const allowed: string[] = [];
  for (const c of compiled) {
    const m = c.regex.exec(path);
    if (!m) continue;
    if (c.route.method !== method) {
      allowed.push(c.route.method);
      continue;
    }
    const params: Record<string, string> = {};
    c.names.forEach((name, i) => {
      params[name] = decodeSegment(name, m[i + 1]!);
    });
    return { kind: 'found', route: c.route, params };
  }
  return allowed.length ? { kind: 'methodNotAllowed', allowed } : { kind: 'notFound' };
}
