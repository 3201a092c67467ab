/**
 * The 用户隐私保护指引 flow. WeChat: "涉及处理用户个人信息的小程序开发者，需通过弹窗等
 * 明显方式提示用户阅读隐私政策等收集使用规则" and "仅有在指引中声明所处理的用户信息，才可以
 * 调用平台提供的对应接口或组件。若未声明，对应接口或组件将直接禁用"
 * (framework/user-privacy/PrivacyAuthorize).
 *
 * One listener for wx.onNeedPrivacyAuthorization, registered once at launch
 * (installPrivacyListener()): WeChat keeps the privacy API or component that triggered it
 * "pending" until `resolve` is called, and "如果调用 resolve({ buttonId: 'agree-btn',
 * event:'agree' })…原隐私接口或组件会继续执行…需要在 <button open-type=
 * \"agreePrivacyAuthorization\"> 组件的 bindagreeprivacyauthorization 事件触发后再调用"
 * (api/open-api/privacy/wx.onNeedPrivacyAuthorization). The popup component
 * subscribes here and calls agreePrivacy()/disagreePrivacy().
 *
 * Several privacy APIs can ask before the user answers (the phone button and
 * the nickname input's wx.requirePrivacyAuthorize, say). Each event brings
 * its own `resolve`, and a resolve answers only "触发当前
 * onNeedPrivacyAuthorization 事件的原隐私接口或组件" (same page), so every
 * waiting one is kept and the user's single answer goes to all of them.
 */
import { ui } from './ui';
import type { PrivacyResolution, PrivacySetting, WxErrnoFailure } from './ui';

/** Why a privacy API or component failed, as the user is told. */
export type PrivacyFailure = 'refused' | 'undeclared';

/**
 * errno 104: the user has not agreed ("API:fail privacy permission is not
 * authorized"), also what `resolve({event: 'disagree'})` gives the waiting
 * API. WeChat's own popup (shown only when no listener is registered) is
 * not shown again within 10 s of a refusal and answers 104 at once; this
 * app registers one wherever the privacy checks exist (they arrived with
 * the listener, in base library 2.32.3), so the 10 s rule is not its users'.
 * errno 112: "api scope is not declared in the privacy agreement", the
 * operator did not declare the item in the console.
 */
export function privacyFailure(detail: unknown): PrivacyFailure | null {
  if (typeof detail !== 'object' || detail === null) return null;
  const { errno, errMsg } = detail as { errno?: unknown; errMsg?: unknown };
  const msg = typeof errMsg === 'string' ? errMsg : '';
  if (errno === 112 || msg.includes('not declared in the privacy agreement')) return 'undeclared';
  if (errno === 104 || msg.includes('privacy permission is not authorized')) return 'refused';
  return null;
}

/** A privacy failure raised by requireAuthorization(). */
export class PrivacyError extends Error {
  constructor(
    readonly failure: PrivacyFailure | 'other',
    readonly errno?: number,
  ) {
    super(`privacy authorization failed (${failure}${errno === undefined ? '' : `, ${errno}`})`);
    this.name = 'PrivacyError';
  }
}

/** What the popup shows: which API asked (for logs), and whether it is open. */
export interface PrivacyRequest {
  referrer: string;
}

type Listener = (request: PrivacyRequest | null) => void;

/** One API waiting on the prompt: its own resolve, and whether it was told the popup is up. */
interface Waiting {
  resolve: (r: PrivacyResolution) => void;
  exposed: boolean;
}

let installed = false;
let waiting: Waiting[] = [];
const listeners = new Set<Listener>();

function notify(request: PrivacyRequest | null): void {
  for (const listener of listeners) listener(request);
}

/** Registers the one wx.onNeedPrivacyAuthorization listener (idempotent). */
export function installPrivacyListener(): boolean {
  if (installed) return true;
  const port = ui();
  if (typeof port.onNeedPrivacyAuthorization !== 'function') return false; // base library < 2.32.3
  port.onNeedPrivacyAuthorization((resolve, info) => {
    // Queued beside any unanswered one: dropping an older resolve would leave its API pending forever.
    waiting.push({ resolve, exposed: false });
    notify({ referrer: info?.referrer ?? '' });
  });
  installed = true;
  return true;
}

/**
 * The popup calls this once it is on screen ("把隐私弹窗曝光告知平台"): each
 * waiting API is told once, however many popups (one per page on the stack) report it.
 */
export function privacyPopupShown(): void {
  for (const entry of waiting) {
    if (entry.exposed) continue;
    entry.exposed = true;
    entry.resolve({ event: 'exposureAuthorization' });
  }
}

/**
 * Gives every waiting API the user's answer exactly once. The list is taken
 * before anyone is told, so a resolve that throws, or a second tap, cannot
 * answer anyone twice or skip the rest; the first error is rethrown after all were told.
 */
function answerAll(resolution: PrivacyResolution): void {
  const answered = waiting;
  waiting = [];
  let failure: Error | null = null;
  for (const entry of answered) {
    try {
      entry.resolve(resolution);
    } catch (err) {
      failure ??= err instanceof Error ? err : new Error(String(err));
    }
  }
  notify(null);
  if (failure !== null) throw failure;
}

/** The agree button's bindagreeprivacyauthorization fired: every waiting API continues. */
export function agreePrivacy(buttonId: string): void {
  answerAll({ event: 'agree', buttonId });
}

/** The user declined: every waiting API fails with errno 104. */
export function disagreePrivacy(): void {
  answerAll({ event: 'disagree' });
}

/** The popup listens here; returns the unsubscribe function. */
export function onPrivacyRequest(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * wx.requirePrivacyAuthorize as a promise: resolves at once when the user
 * already agreed, else after the popup's agree; rejects with PrivacyError.
 * Without the API (old base library) there is nothing to agree to.
 */
export function requirePrivacyAuthorization(): Promise<void> {
  const port = ui();
  if (typeof port.requirePrivacyAuthorize !== 'function') return Promise.resolve();
  return new Promise((resolve, reject) => {
    port.requirePrivacyAuthorize!({
      success: () => resolve(),
      fail: (err: WxErrnoFailure) =>
        reject(new PrivacyError(privacyFailure(err) ?? 'other', err.errno)),
    });
  });
}

/** Whether the user still has to agree; `needAuthorization: false` when WeChat cannot say. */
export function privacySetting(): Promise<PrivacySetting> {
  const port = ui();
  const none: PrivacySetting = { needAuthorization: false, privacyContractName: '' };
  if (typeof port.getPrivacySetting !== 'function') return Promise.resolve(none);
  return new Promise((resolve) => {
    port.getPrivacySetting!({ success: resolve, fail: () => resolve(none) });
  });
}

/** Opens the guideline page WeChat renders from the console settings. */
export function openPrivacyContract(): void {
  ui().openPrivacyContract?.({ success: () => undefined, fail: () => undefined });
}

/** Tests only: forget the listener and any pending request. */
export function resetPrivacyForTests(): void {
  installed = false;
  waiting = [];
  listeners.clear();
}
