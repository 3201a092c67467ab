import { randomToken } from './ids';

/**
 * One-time codes (wx.login codes, getPhoneNumber codes, web OAuth codes).
 * All of them are single-use and live 5 minutes, per the docs. A used code is
 * remembered so a replay gets "code been used" rather than "invalid code".
 */

export const CODE_TTL_MS = 5 * 60 * 1000;

export type CodeKind = 'login' | 'phone' | 'oauth';

export interface CodeRecord {
  kind: CodeKind;
  userId: string;
  expiresAt: number;
  used: boolean;
  snapshot?: boolean;
  scope?: string;
  /** OAuth codes: the official account whose web page asked. */
  appid?: string;
}

export type CodeLookup =
  { status: 'ok'; record: CodeRecord } | { status: 'unknown' | 'expired' | 'used' };

export class CodeStore {
  private readonly codes = new Map<string, CodeRecord>();

  constructor(private readonly now: () => number) {}

  mint(
    kind: CodeKind,
    userId: string,
    extra: Pick<CodeRecord, 'snapshot' | 'scope' | 'appid'> = {},
  ): string {
    this.prune();
    const code = randomToken(24);
    this.codes.set(code, {
      kind,
      userId,
      expiresAt: this.now() + CODE_TTL_MS,
      used: false,
      ...extra,
    });
    return code;
  }

  /** Looks a code up without consuming it. */
  lookup(code: string, kind: CodeKind): CodeLookup {
    const record = this.codes.get(code);
    if (!record || record.kind !== kind) return { status: 'unknown' };
    if (record.used) return { status: 'used' };
    if (this.now() >= record.expiresAt) return { status: 'expired' };
    return { status: 'ok', record };
  }

  consume(record: CodeRecord): void {
    record.used = true;
  }

  /** Drops codes long past their expiry so a long-running dev sandbox stays small. */
  private prune(): void {
    if (this.codes.size < 10_000) return;
    const horizon = this.now() - CODE_TTL_MS;
    for (const [code, rec] of this.codes) {
      if (rec.expiresAt < horizon) this.codes.delete(code);
    }
  }
}
