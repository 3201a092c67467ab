import { SandboxError } from './errors';

/**
 * Injected failures for the WeChat-compatible routes: answer an errcode
 * (e.g. -1 "system busy", 45011), answer late, or drop the connection without
 * answering. A fault applies to the next `times` calls of its route (forever
 * by default). Route names are the paths without the leading slash, e.g.
 * `cgi-bin/user/info`; `*` matches every WeChat route.
 */

export interface FaultSpec {
  errcode?: number;
  errmsg?: string;
  delayMs?: number;
  drop?: boolean;
  times?: number;
}

interface ActiveFault {
  errcode?: number;
  errmsg?: string;
  delayMs: number;
  drop: boolean;
  remaining: number;
}

export type FaultAction = Omit<ActiveFault, 'remaining'>;

export function normalizeRoute(route: string): string {
  return route.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

function validate(spec: FaultSpec): void {
  const bad = (msg: string): never => {
    throw new SandboxError('INVALID_OPTION', msg);
  };
  if (spec.errcode !== undefined && !Number.isInteger(spec.errcode))
    bad('errcode must be an integer');
  if (spec.errcode === 0) bad('errcode 0 is success, not a fault');
  if (
    spec.delayMs !== undefined &&
    (!Number.isFinite(spec.delayMs) || spec.delayMs < 0 || spec.delayMs > 600_000)
  ) {
    bad('delayMs must be between 0 and 600000');
  }
  if (spec.times !== undefined && (!Number.isInteger(spec.times) || spec.times < 1)) {
    if (spec.times !== Infinity) bad('times must be a positive integer');
  }
  if (spec.errcode === undefined && !spec.drop && !spec.delayMs) {
    bad('a fault needs errcode, delayMs or drop');
  }
}

export class FaultTable {
  private readonly faults = new Map<string, ActiveFault>();

  constructor(private readonly knownRoutes: readonly string[]) {}

  inject(route: string, spec: FaultSpec): void {
    const name = normalizeRoute(route);
    if (name !== '*' && !this.knownRoutes.includes(name)) {
      throw new SandboxError(
        'INVALID_OPTION',
        `unknown route ${route}; one of: *, ${this.knownRoutes.join(', ')}`,
      );
    }
    validate(spec);
    this.faults.set(name, {
      errcode: spec.errcode,
      errmsg: spec.errmsg,
      delayMs: spec.delayMs ?? 0,
      drop: spec.drop === true,
      remaining: spec.times ?? Infinity,
    });
  }

  clear(): void {
    this.faults.clear();
  }

  /** The fault to apply to this call of `route`, if any (counts it down). */
  take(route: string): FaultAction | null {
    const name = this.faults.has(route) ? route : this.faults.has('*') ? '*' : null;
    if (name === null) return null;
    const fault = this.faults.get(name);
    if (!fault) return null;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.faults.delete(name);
    const { remaining: _remaining, ...action } = fault;
    return action;
  }

  list(): Array<{ route: string } & FaultSpec> {
    return [...this.faults].map(([route, f]) => ({
      route,
      errcode: f.errcode,
      errmsg: f.errmsg,
      delayMs: f.delayMs,
      drop: f.drop,
      times: f.remaining,
    }));
  }
}
