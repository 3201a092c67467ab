// The isomorphic entry: safe for the mini-program bundle (no Node built-ins, no Buffer,
// no process). WeChat crypto and XML live in '@wxlink/contracts/node'.
export * from './errors';
export * from './http';
export * from './linkage';
export * from './wechat-errcodes';
