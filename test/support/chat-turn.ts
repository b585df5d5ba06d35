// The parts of a chat turn's dependencies that the turn tests share: the model pair, failover
// between them over one client, and a context budget small enough that a few turns overflow it.
import type { LlmClient } from '../../src/ai/llm/types';
import { memoryBreakers } from '../../src/ai/reliability/breakers';
import type { ChatTurnDeps } from '../../src/chat/turn';

export const PRIMARY = 'claude-sonnet-4-5';
export const SECONDARY = 'claude-haiku-4-5';

/** Failover from PRIMARY to SECONDARY over `llm`, with fresh (closed) breakers. */
export const failoverOver = (llm: LlmClient): ChatTurnDeps['failover'] => ({
  llm,
  models: { primary: PRIMARY, secondary: SECONDARY },
  breakers: memoryBreakers(),
});

/** A fresh object per call, so a test that adjusts its deps cannot leak into the next. */
export const smallContextBudget = (): ChatTurnDeps['contextBudget'] => ({
  contextWindow: 4_000,
  reserveForAnswer: 300,
  reserveForPassages: 1_500,
  reserveForPrompt: 600,
  keepRecentTurns: 4,
  summaryMaxTokens: 150,
});
