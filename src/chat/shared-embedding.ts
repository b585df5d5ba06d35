import type { Env } from '../env';

type Runner = { run(model: string, inputs: unknown, ...rest: unknown[]): Promise<unknown> };

/**
 * The turn's bindings with an `AI` that sends each distinct embedding request once. A question
 * is embedded by retrieval (the query vector) and by the semantic answer cache (lookup, store);
 * both build their embedder from the bindings, so sharing here makes the turn pay one Workers AI
 * round trip for the question instead of two, even while both run at the same time. Only
 * text-embedding calls (`{ text: [...] }`) are shared; anything else passes straight through.
 */
export function shareEmbeddingCalls(env: Env): Env {
  if (!env.AI) return env;
  const ai = env.AI as unknown as Runner;
  const calls = new Map<string, Promise<unknown>>();
  const run = (model: string, inputs: unknown, ...rest: unknown[]) => {
    const text = (inputs as { text?: unknown } | null)?.text;
    if (rest.length > 0 || !Array.isArray(text)) return ai.run(model, inputs, ...rest);
    const key = JSON.stringify([model, text]);
    let call = calls.get(key);
    if (!call) {
      call = ai.run(model, inputs);
      calls.set(key, call);
      // A failed call is not remembered: a retry asks again.
      call.catch(() => calls.delete(key));
    }
    return call;
  };
  const shared = new Proxy(env.AI, {
    get(target, property) {
      if (property === 'run') return run;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { ...env, AI: shared };
}
