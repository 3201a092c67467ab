import { profileDisplay } from './display';

/** `<profile-card nickname avatar-url phone login-count />`: who is logged in. */
Component({
  properties: {
    nickname: { type: String, value: '' },
    avatarUrl: { type: String, value: '' },
    phone: { type: String, value: '' },
    loginCount: { type: Number, value: 0 },
  },
  data: profileDisplay({ nickname: '', avatarUrl: '', phone: '', loginCount: 0 }),
  observers: {
    'nickname, avatarUrl, phone, loginCount'(
      nickname: string,
      avatarUrl: string,
      phone: string,
      loginCount: number,
    ) {
      this.setData(profileDisplay({ nickname, avatarUrl, phone, loginCount }));
    },
  },
  lifetimes: {
    attached() {
      const { nickname, avatarUrl, phone, loginCount } = this.data;
      this.setData(profileDisplay({ nickname, avatarUrl, phone, loginCount }));
    },
  },
});
