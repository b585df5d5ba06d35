// Types of vellum-client.js, the bundle scripts/lib/console-assets.ts builds from this source
// (git-ignored, rebuilt before dev, tests and deploys), so the console is checked against it.
export * from '../../src/client/browser';
