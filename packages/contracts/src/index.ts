// The isomorphic entry: safe for the mini-program bundle (no Node built-ins, no Buffer,
// no process). WeChat crypto and XML live in '@wxlink/contracts/node'; the OpenAPI
// document and the API reference renderer in '@wxlink/contracts/openapi'.
export * from './avatar-upload';
export * from './errors';
export * from './http';
export * from './linkage';
export * from './route-errors';
export * from './wechat-errcodes';
