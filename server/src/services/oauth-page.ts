import type { OAuthResult } from './oauth';

/**
 * The small page the OAuth callback shows in WeChat's browser. Self-contained
 * (inline CSS, no scripts, no external assets); every dynamic value is
 * HTML-escaped, even the ones we validated.
 */
export function escapeHtml(value: string): string {
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
  const sinceLine = since === null ? '' : `<p class="since">${escapeHtml(since)}</p>`;
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(copy.title)}</title>
<style>
  :root { color-scheme: light dark; }
  body { margin: 0; min-height: 100vh; display: flex; align-items: center; justify-content: center;
    font-family: -apple-system, BlinkMacSystemFont, "PingFang SC", "Helvetica Neue", sans-serif;
    background: #f2f2f2; color: #1a1a1a; }
  .card { background: #fff; border-radius: 16px; padding: 32px 24px; margin: 24px; max-width: 360px;
    width: 100%; text-align: center; box-shadow: 0 4px 24px rgba(0,0,0,.06); }
  .dot { width: 56px; height: 56px; border-radius: 50%; margin: 0 auto 16px; background: ${copy.tone}; }
  h1 { font-size: 20px; margin: 0 0 8px; }
  p { margin: 0 0 8px; color: #666; line-height: 1.5; }
  .since { font-size: 13px; color: #999; }
  a.back { display: inline-block; margin-top: 16px; padding: 10px 28px; border-radius: 8px;
    background: ${copy.tone}; color: #fff; text-decoration: none; font-weight: 600; }
  @media (prefers-color-scheme: dark) {
    body { background: #111; color: #eee; } .card { background: #1e1e1e; box-shadow: none; } p { color: #aaa; }
  }
</style>
</head>
<body>
<main class="card" data-status="${escapeHtml(result.status)}">
  <div class="dot" aria-hidden="true"></div>
  <h1>${escapeHtml(copy.title)}</h1>
  <p>${escapeHtml(copy.detail)}</p>
  ${sinceLine}
  <a class="back" href="${escapeHtml(result.returnTo)}">返回 · Back</a>
</main>
</body>
</html>
`;
}
