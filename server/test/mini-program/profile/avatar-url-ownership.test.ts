/** Absolute avatar URLs are checked by id, whatever the host. */
import { normalizeAvatarUrl } from '../../../src/mini-program/profile/avatar';

import { useSuiteServer, SUITE_PUBLIC_BASE_URL, expectApiError } from '../../support/harness';

const PUBLIC_BASE_URL = SUITE_PUBLIC_BASE_URL;
const server = useSuiteServer();

describe('10. avatar URLs naming one of our uploads get the ownership check, whatever the host', () => {
  const PNG = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );

  async function upload(token: string): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([PNG], { type: 'image/png' }), 'a.png');
    const res = await server().raw('POST', '/api/v1/me/avatar', {
      body: form,
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(201);
    return res.body.avatarUrl as string;
  }

  it("another user's upload spelled out in full is rejected; one's own is stored relative", async () => {
    const alice = await server().login();
    const bob = await server().login();
    const path = await upload(alice.token);
    const absolute = `${PUBLIC_BASE_URL}${path}`;

    const stolen = await server().api(
      'PUT',
      '/api/v1/me/profile',
      { avatarUrl: absolute },
      bob.token,
    );
    expectApiError(stolen, 400, 'VALIDATION_FAILED');
    expect(stolen.body.error.message).toMatch(/^avatarUrl: /);
    // Same origin however it is spelled (case, default port).
    const spelled = `https://API.example.com:443${path}`;
    expectApiError(
      await server().api('PUT', '/api/v1/me/profile', { avatarUrl: spelled }, bob.token),
      400,
      'VALIDATION_FAILED',
    );

    const own = await server().api(
      'PUT',
      '/api/v1/me/profile',
      { avatarUrl: absolute },
      alice.token,
    );
    expect(own.status).toBe(200);
    expect(own.body.avatarUrl).toBe(path);
  });

  it('a malformed avatar path on our origin is rejected; other origins are untouched', async () => {
    const { token } = await server().login();
    expectApiError(
      await server().api(
        'PUT',
        '/api/v1/me/profile',
        { avatarUrl: `${PUBLIC_BASE_URL}/api/v1/avatars/0123456789abcdef01234567.png/x` },
        token,
      ),
      400,
      'VALIDATION_FAILED',
    );
    // Ownership is checked by id, whatever the host: an avatar path elsewhere is still one.
    expectApiError(
      await server().api(
        'PUT',
        '/api/v1/me/profile',
        { avatarUrl: 'https://cdn.example.org/api/v1/avatars/0123456789abcdef01234567' },
        token,
      ),
      400,
      'VALIDATION_FAILED',
    );
    const elsewhere = 'https://cdn.example.org/img/0123456789abcdef01234567.png';
    const res = await server().api('PUT', '/api/v1/me/profile', { avatarUrl: elsewhere }, token);
    expect(res.status).toBe(200);
    expect(res.body.avatarUrl).toBe(elsewhere);
  });

  it('normalizeAvatarUrl reduces any avatar path, behind any prefix or host, to its id path', () => {
    const id = '0123456789abcdef01234567';
    expect(normalizeAvatarUrl(`https://example.com/wx/api/v1/avatars/${id}`)).toBe(
      `/api/v1/avatars/${id}`,
    );
    expect(normalizeAvatarUrl(`https://example.com/wx/api/v1/avatars/${id}.png?v=2`)).toBe(
      `/api/v1/avatars/${id}.png`,
    );
    // Not under PUBLIC_BASE_URL's prefix, another host: still an avatar reference.
    expect(normalizeAvatarUrl(`https://example.com/api/v1/avatars/${id}`)).toBe(
      `/api/v1/avatars/${id}`,
    );
    expect(normalizeAvatarUrl(`/api/v1/avatars/${id}`)).toBe(`/api/v1/avatars/${id}`);
    expect(normalizeAvatarUrl('https://example.com/wx/a.png')).toBe('https://example.com/wx/a.png');
  });
});
