import type { TestProject } from 'vitest/node';
import { startFakeAnthropic } from '../../scripts/lib/fake-anthropic';

declare module 'vitest' {
  export interface ProvidedContext {
    anthropicBaseUrl: string;
  }
}

/** Starts the local Messages API stand-in once for the run; tests script it over HTTP. */
export default async function setup(project: TestProject) {
  const fake = await startFakeAnthropic();
  project.provide('anthropicBaseUrl', fake.url);
  return async () => {
    await fake.stop();
  };
}
