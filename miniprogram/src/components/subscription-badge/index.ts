import { subscriptionDisplay } from './display';

/** `<subscription-badge status="{{…}}" />`: the official-account follow status. */
Component({
  properties: {
    status: { type: String, value: 'unknown' },
  },
  data: subscriptionDisplay('unknown'),
  observers: {
    status(status: string) {
      this.setData(subscriptionDisplay(status));
    },
  },
  lifetimes: {
    attached() {
      this.setData(subscriptionDisplay(this.data.status));
    },
  },
});
