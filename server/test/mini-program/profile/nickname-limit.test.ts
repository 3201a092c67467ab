/** A long nickname names the character limit. */
import { useSuiteServer, expectApiError } from '../../support/harness';

const server = useSuiteServer();

describe('8. a long nickname names the character limit', () => {
  it('500 characters → 400 "nickname: must be at most 32 characters"', async () => {
    const { token } = await server().login();
    const res = await server().api(
      'PUT',
      '/api/v1/me/profile',
      { nickname: 'x'.repeat(500) },
      token,
    );
    expectApiError(res, 400, 'VALIDATION_FAILED');
    expect(res.body.error.message).toBe('nickname: must be at most 32 characters');
  });
});
