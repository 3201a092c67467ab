import type { Catalogue } from '../../i18n/index';

/** Everything the privacy popup shows, for one guideline name. */
export interface PrivacyPopupText {
  title: string;
  body: string;
  readText: string;
  agreeText: string;
  disagreeText: string;
}

/** The console's guideline name (e.g. 《xx小程序隐私保护指引》) when WeChat told it, else ours. */
export function privacyPopupText(m: Catalogue, contractName: string): PrivacyPopupText {
  return {
    title: m.privacy.popupTitle,
    body: m.privacy.popupBody(contractName.trim() || m.privacy.defaultContractName),
    readText: m.privacy.read,
    agreeText: m.privacy.agree,
    disagreeText: m.privacy.disagree,
  };
}
