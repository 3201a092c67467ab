/**
 * jsdom (miniprogram-simulate needs a DOM) plus Node's fetch, so the tests
 * can drive the wechat-sandbox through its own SandboxClient. AbortSignal
 * comes along because Node's fetch only accepts its own signals.
 */
'use strict';

const { TestEnvironment } = require('jest-environment-jsdom');

class ContractEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global.fetch = fetch;
    this.global.AbortSignal = AbortSignal;
    this.global.AbortController = AbortController;
  }
}

module.exports = ContractEnvironment;
