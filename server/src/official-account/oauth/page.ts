import type { ErrorCode } from '@wxlink/contracts';
import type { OAuthResult } from './oauth';

/**
 * The small page the OAuth callback shows in WeChat's browser. Self-contained
 * (inline CSS, no scripts, no external assets); every dynamic value is
 * HTML-escaped, even the ones we validated.
 */
function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const COPY: Record<OAuthResult['status'], { title: string; detail: string; tone: string }> = {
  subscribed: {
    title: '已关注公众号',
    detail: 'You follow our official account. Thank you!',
    tone: '#07c160',
  },
  unsubscribed: {
    title: '已取消关注',
    detail: 'You no longer follow our official account.',
    tone: '#fa9d3b',
  },
  never: {
    title: '尚未关注公众号',
    detail: 'You do not follow our official account yet.',
    tone: '#576b95',
  },
  unknown: {
    title: '无法确认关注状态',
    detail: 'Open this page in WeChat and tap “使用完整服务” (full service) to check.',
    tone: '#888888',
  },
};

function formatDate(iso: string | undefined): string | null {
  return iso === undefined ? null : iso.slice(0, 10);
}

export function renderOAuthPage(result: OAuthResult): string {
  const copy = COPY[result.status];
  const since =
    result.status === 'subscribed'
      ? formatDate(result.subscribedAt)
      : result.status === 'unsubscribed'
        ? formatDate(result.unsubscribedAt)
        : null;
  return renderCard({
    dataStatus: result.status,
    title: copy.title,
    detail: copy.detail,
    tone: copy.tone,
    note: since,
    back: result.returnTo,
  });
}

/** What a visitor reads when the callback fails: no API names, errcodes or internals. */
const ERROR_COPY: Partial<Record<ErrorCode, { title: string; detail?: string }>> = {
  OAUTH_STATE_INVALID: {
    title: '链接已失效',
    detail: 'This link has expired or was already used; open the page again.',
  },
  VALIDATION_FAILED: {
    title: '未完成授权',
    detail: 'The authorization did not complete; open the page again.',
  },
  WECHAT_CODE_INVALID: { title: '授权已失效' },
  RATE_LIMITED: { title: '请稍后再试' },
  WECHAT_UNAVAILABLE: { title: '微信暂时无法响应' },
};

const GENERIC_ERROR = {
  title: '出错了',
  detail: 'Something went wrong on our side; try again later.',
};

export interface OAuthErrorView {
  code: ErrorCode;
  /** The error's client-safe message, shown when the code has no fixed copy. */
  message: string;
  requestId: string | undefined;
}

/**
 * The same card for a failed callback. Codes with fixed copy show it (their
 * messages are written for developers); the WeChat errors show their
 * message, which services already phrase for the visitor; INTERNAL and
 * anything unexpected show a generic line. The request id lets support find
 * the log line.
 */
export function renderOAuthErrorPage(view: OAuthErrorView): string {
  const fixed = view.code === 'INTERNAL' ? GENERIC_ERROR : ERROR_COPY[view.code];
  return renderCard({
    dataStatus: 'error',
    title: fixed?.title ?? GENERIC_ERROR.title,
    detail: fixed ? (fixed.detail ?? view.message) : GENERIC_ERROR.detail,
    tone: '#fa5151',
    note: view.requestId === undefined ? null : `Request ID: ${view.requestId}`,
    back: null,
  });
}

interface Card {
  dataStatus: string;
  title: string;
  detail: string;
  tone: string;
  /** Small grey line under the detail. */
  note: string | null;
  /** Same-site path of the back button, or none. */
  back: string | null;
}

function renderCard(card: Card): string {
  const noteLine = card.note === null ? '' : `<p class="since">${escapeHtml(card.note)}</p>`;
  const backLink =
    card.back === null ? '' : `<a class="back" href="${escapeHtml(card.back)}">返回 · Back</a>`;
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(card.title)}</title>
<style>
  :root { color-scheme: light dark; }
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
    font-family: -apple-system, BlinkMacSystemFont, "PingFang SC", "Helvetica Neue", sans-serif;
    background: #f2f2f2; color: #1a1a1a; }
  .card { background: #fff; border-radius: 16px; padding: 32px 24px; margin: 24px; max-width: 360px;
    width: 100%; text-align: center; box-shadow: 0 4px 24px rgba(0,0,0,.06); }
  .dot { width: 56px; height: 56px; border-radius: 50%; margin: 0 auto 16px; background: ${card.tone}; }
  h1 { font-size: 20px; margin: 0 0 8px; }
  p { margin: 0 0 8px; color: #666; line-height: 1.5; }
  .since { font-size: 13px; color: #999; }
  a.back { display: inline-block; margin-top: 16px; padding: 10px 28px; border-radius: 8px;
    background: ${card.tone}; color: #fff; text-decoration: none; font-weight: 600; }
  @media (prefers-color-scheme: dark) {
    body { background: #111; color: #eee; } .card { background: #1e1e1e; box-shadow: none; } p { color: #aaa; }
  }
</style>
</head>
<body>
<main class="card" data-status="${escapeHtml(card.dataStatus)}">
  <div class="dot" aria-hidden="true"></div>
  <h1>${escapeHtml(card.title)}</h1>
  <p>${escapeHtml(card.detail)}</p>
  ${noteLine}
  ${backLink}
</main>
</body>
</html>
`;
}
