/**
 * The fakes a page or component test runs against, wired into the services
 * the way app.ts wires the real ones, so every test starts from scratch.
 */
import { configureClient } from '../services/index';
import { resetPrivacyForTests } from '../services/privacy';
import { configureUi } from '../services/ui';
import { FakeBackend } from './fake-backend';
import { FakeUi } from './fake-ui';
import { FakeWx } from './fake-wx';
import { API_BASE } from './fixtures';

/** One test's fakes: the wx API, the backend behind wx.request, and the UI/privacy port. */
export interface FreshFakes {
  wx: FakeWx;
  backend: FakeBackend;
  fakeUi: FakeUi;
}

/** New fakes installed as the client's wx and the UI port, with the privacy state reset (call in beforeEach). */
export function freshFakes(): FreshFakes {
  const wx = new FakeWx();
  const backend = new FakeBackend(wx);
  configureClient({ wx, apiBase: API_BASE });
  const fakeUi = new FakeUi();
  configureUi(fakeUi);
  resetPrivacyForTests();
  return { wx, backend, fakeUi };
}
