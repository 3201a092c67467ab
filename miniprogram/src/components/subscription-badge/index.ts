import { subscriptionDisplay } from './display';

/**
 * `<subscription-badge status="{{…}}" account-name="{{…}}" />`: whether the
 * user follows one official account (the name is shown when there are several).
 */
Component({
  properties: {
    status: { type: String, value: 'unknown' },
    accountName: { type: String, value: '' },
  },
  data: subscriptionDisplay('unknown'),
  observers: {
    'status, accountName'(status: string, accountName: string) {
      this.setData(subscriptionDisplay(status, accountName));
    },
  },
  lifetimes: {
    attached() {
      this.setData(subscriptionDisplay(this.data.status, this.data.accountName));
    },
  },
});
