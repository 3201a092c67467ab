/**
 * The active language. Simplified Chinese unless WeChat itself is set to
 * English: `wx.getAppBaseInfo().language` is "微信设置的语言" (api/base/system/
 * wx.getAppBaseInfo, base library 2.20.1+); older base libraries only have
 * `wx.getSystemInfoSync().language`.
 */
import type { Catalogue } from './catalogue';
import { en } from './en';
import { zh_CN } from './zh_CN';

export type { Catalogue } from './catalogue';
export type Language = 'zh_CN' | 'en';

/** The slice of `wx` that tells WeChat's language (both calls may be missing or throw). */
export interface LanguageSource {
  getAppBaseInfo?: () => { language?: string };
  getSystemInfoSync?: () => { language?: string };
}

/** "en", "en_US", "en-GB" → English; everything else (zh_CN, zh_TW, unknown) → zh_CN. */
export function languageFromTag(tag: unknown): Language {
  return typeof tag === 'string' && /^en(?:[_-]|$)/i.test(tag) ? 'en' : 'zh_CN';
}

function safeLanguage(read: (() => { language?: string }) | undefined): string | undefined {
  try {
    return read?.().language;
  } catch {
    return undefined;
  }
}

/** WeChat's language as one of ours; never throws. */
export function detectLanguage(source: LanguageSource | undefined): Language {
  if (!source) return 'zh_CN';
  const tag =
    safeLanguage(source.getAppBaseInfo?.bind(source)) ??
    safeLanguage(source.getSystemInfoSync?.bind(source));
  return languageFromTag(tag);
}

const CATALOGUES: Readonly<Record<Language, Catalogue>> = { zh_CN, en };

let active: Language | null = null;

/** Fixes the language (the app at launch, tests); null detects again on next use. */
export function useLanguage(language: Language | null): void {
  active = language;
}

/** The catalogue to read from; detected from the global `wx` on first use. */
export function messages(): Catalogue {
  active ??= detectLanguage(typeof wx === 'undefined' ? undefined : wx);
  return CATALOGUES[active];
}
