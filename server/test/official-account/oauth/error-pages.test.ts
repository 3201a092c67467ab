/** OAuth failures: a friendly page for browsers, no internals anywhere. */
import { renderOAuthErrorPage } from '../../../src/official-account/oauth/page';

import { useSuiteServer } from '../../support/harness';

const server = useSuiteServer();

describe('9. OAuth failures: a friendly page for browsers, no internals anywhere', () => {
  const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

  async function get(path: string, accept: string) {
    const res = await fetch(server().url + path, { redirect: 'manual', headers: { accept } });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async function freshState(): Promise<string> {
    const res = await get('/wechat/official-account/oauth?returnTo=/shop', HTML);
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!).searchParams.get('state')!;
  }

  const INTERNALS = /oauthAccessToken|errcode|40029|sns\/oauth2/;

  it('an invalid code: 401 page in a browser, friendly JSON otherwise', async () => {
    const page = await get(
      `/wechat/official-account/oauth/callback?code=bogus&state=${await freshState()}`,
      HTML,
    );
    expect(page.status).toBe(401);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.text).toContain('data-status="error"');
    expect(page.text).toContain(
      'The WeChat authorization code is invalid or expired; open the page again',
    );
    expect(page.text).toContain(page.headers.get('x-request-id')!);
    expect(page.text).not.toMatch(INTERNALS);

    const json = await get(
      `/wechat/official-account/oauth/callback?code=bogus&state=${await freshState()}`,
      'application/json',
    );
    expect(json.status).toBe(401);
    const body = JSON.parse(json.text) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({
      code: 'WECHAT_CODE_INVALID',
      message: 'The WeChat authorization code is invalid or expired; open the page again',
    });
    expect(json.text).not.toMatch(INTERNALS);
  });

  it('a bad state or returnTo: 400 page with its own copy', async () => {
    const state = await get('/wechat/official-account/oauth/callback?code=x&state=nope', HTML);
    expect(state.status).toBe(400);
    expect(state.headers.get('content-type')).toMatch(/^text\/html/);
    expect(state.text).toContain('This link has expired or was already used');
    expect(state.text).not.toContain('malformed');

    const returnTo = await get('/wechat/official-account/oauth?returnTo=//evil.example', HTML);
    expect(returnTo.status).toBe(400);
    expect(returnTo.headers.get('content-type')).toMatch(/^text\/html/);
    expect(returnTo.headers.get('location')).toBeNull();
  });

  it('WeChat unreachable: 502 page', async () => {
    server().sandbox.injectFault('sns/oauth2/access_token', { errcode: -1, times: 1 });
    const page = await get(
      `/wechat/official-account/oauth/callback?code=any&state=${await freshState()}`,
      HTML,
    );
    server().sandbox.clearFaults();
    expect(page.status).toBe(502);
    expect(page.text).toContain('WeChat did not answer in time');
    expect(page.text).not.toMatch(INTERNALS);
  });

  it('the error page escapes what it shows and hides internal faults', () => {
    const shown = renderOAuthErrorPage({
      code: 'WECHAT_UNAVAILABLE',
      message: '<script>alert(1)</script>',
      requestId: '"><img>',
    });
    expect(shown).not.toContain('<script>alert');
    expect(shown).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(shown).not.toContain('"><img>');
    const internal = renderOAuthErrorPage({
      code: 'INTERNAL',
      message: 'TypeError: cannot read db of undefined',
      requestId: 'r1',
    });
    expect(internal).not.toContain('TypeError');
    expect(internal).toContain('Something went wrong on our side');
  });
});
