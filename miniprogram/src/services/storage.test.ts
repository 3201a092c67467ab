import { FakeWx } from '../test-support/fake-wx';
import { SessionStore, STORAGE_KEYS, STORAGE_NAMESPACE } from './storage';

const NOW = Date.parse('2024-05-01T00:00:00Z');

function store() {
  const wx = new FakeWx();
  return { wx, store: new SessionStore(wx, () => NOW) };
}

describe('SessionStore', () => {
  it('namespaces every key it owns', () => {
    for (const key of Object.values(STORAGE_KEYS))
      expect(key.startsWith(STORAGE_NAMESPACE)).toBe(true);
    expect(STORAGE_KEYS.session).toBe('wxlink:session');
  });

  it('round-trips a session that has not expired', () => {
    const { wx, store: s } = store();
    s.write({ token: 'tok', expiresAt: '2024-05-02T00:00:00Z' });
    expect(wx.storage.get('wxlink:session')).toEqual({
      token: 'tok',
      expiresAt: '2024-05-02T00:00:00Z',
    });
    expect(s.read()).toEqual({ token: 'tok', expiresAt: '2024-05-02T00:00:00Z' });
  });

  it('treats an expired session as none', () => {
    const { store: s } = store();
    s.write({ token: 'tok', expiresAt: '2024-05-01T00:00:00Z' });
    expect(s.read()).toBeNull();
  });

  it.each([
    ['missing (wx answers "")', ''],
    ['a bare string', 'tok'],
    ['no token', { expiresAt: '2030-01-01T00:00:00Z' }],
    ['an empty token', { token: '', expiresAt: '2030-01-01T00:00:00Z' }],
    ['a bad date', { token: 'tok', expiresAt: 'soon' }],
  ])('treats %s as no session', (_label, value) => {
    const { wx, store: s } = store();
    wx.setStorageSync(STORAGE_KEYS.session, value);
    expect(s.read()).toBeNull();
  });

  it('treats a storage read failure as no session', () => {
    const { wx, store: s } = store();
    jest.spyOn(wx, 'getStorageSync').mockImplementation(() => {
      throw new Error('getStorageSync:fail');
    });
    expect(s.read()).toBeNull();
  });

  it('clear removes only its own keys, even if one removal fails', () => {
    const { wx, store: s } = store();
    s.write({ token: 'tok', expiresAt: '2030-01-01T00:00:00Z' });
    wx.setStorageSync('theme', 'dark');
    s.clear();
    expect([...wx.storage.keys()]).toEqual(['theme']);
    jest.spyOn(wx, 'removeStorageSync').mockImplementation(() => {
      throw new Error('removeStorageSync:fail');
    });
    expect(() => s.clear()).not.toThrow();
  });
});
