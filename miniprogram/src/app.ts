import { detectLanguage, useLanguage } from './i18n/index';
import { getClient } from './services/index';
import { installPrivacyListener } from './services/privacy';

/**
 * The app shell. Logging in happens on the first page's onShow (through
 * ensureSession), so a slow or dead server shows the page's loading/error
 * states instead of blocking launch.
 */
App({
  onLaunch() {
    // Before any page renders: its texts come from the catalogue of WeChat's language.
    useLanguage(detectLanguage(wx));
    // Once per launch, before any privacy API or component can be used
    // (api/open-api/privacy/wx.onNeedPrivacyAuthorization).
    installPrivacyListener();
    // Create the shared client early so the API base is resolved once.
    getClient();
  },
});
