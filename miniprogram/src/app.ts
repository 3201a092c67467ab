import { getClient } from './services/index';

/**
 * The app shell. Logging in happens on the first page's onShow (through
 * ensureSession), so a slow or dead server shows the page's loading/error
 * states instead of blocking launch.
 */
App({
  onLaunch() {
    // Create the shared client early so the API base is resolved once.
    getClient();
  },
});
