import type { Route } from './route';

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
      params[name] = decodeURIComponent(m[i + 1]!);
    });
    return { kind: 'found', route: c.route, params };
  }
  return allowed.length ? { kind: 'methodNotAllowed', allowed } : { kind: 'notFound' };
}
