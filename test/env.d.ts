import type { Env as VellumEnv } from '../src/env';

declare global {
  namespace Cloudflare {
    interface Env extends VellumEnv {}
  }
}
export {};
