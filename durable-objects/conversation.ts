import { DurableObject } from 'cloudflare:workers';
import {
  projectMessages,
  projectSummary,
  type ChatMessage,
  type ConversationEvent,
  type EventType,
  type FeedbackData,
  type GenerationData,
  type RetrievalData,
  type SummaryData,
} from '../src/chat/conversation-log';
import { planContext, type ContextBudget, type ContextPlan, type Turn } from '../src/chat/context';
import type {
  ConversationMeta,
  FeedbackResult,
  InitResult,
} from '../src/chat/conversation-results';

/**
 * One conversation, addressed by `idFromName(`${tenantId}:${conversationId}`)`. State is an
 * append-only event log in SQLite; messages and the summary are read as projections.
 *
 * Ordering: every method is synchronous over `ctx.storage.sql` (no awaits), so each call runs
 * to completion before the next one starts, and AUTOINCREMENT gives a gap-free total order.
 */
export class Conversation extends DurableObject {
  constructor(ctx: DurableObjectState, env: unknown) {
    super(ctx, env as never);
    this.migrate();
  }

  private migrate(): void {
    this.ctx.storage.sql.exec(`
      CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        type TEXT NOT NULL,
        message_id TEXT,
        at INTEGER NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS events_message ON events (message_id);
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `);
  }

  private readMeta(): ConversationMeta | null {
    const row = this.ctx.storage.sql
      .exec<{ value: string }>(`SELECT value FROM meta WHERE key = 'meta'`)
      .toArray()[0];
    return row ? (JSON.parse(row.value) as ConversationMeta) : null;
  }

  /**
   * Appends need an initialised conversation. The API creates the object before its row, so a
   * miss here is a broken invariant (a bug), thrown rather than returned as a result.
   */
  private requireMeta(): ConversationMeta {
    const meta = this.readMeta();
    if (!meta) throw new Error('conversation_not_found: call init() first');
    return meta;
  }

  private append(type: EventType, messageId: string | null, data: unknown): number {
    this.requireMeta();
    const row = this.ctx.storage.sql
      .exec<{ seq: number }>(
        `INSERT INTO events (type, message_id, at, data) VALUES (?, ?, ?, ?) RETURNING seq`,
        type,
        messageId,
        Date.now(),
        JSON.stringify(data),
      )
      .one();
    return row.seq;
  }

  /** Creates the conversation, or returns it; a different tenant or id is refused. */
  init(meta: { tenantId: string; conversationId: string; title?: string | null }): InitResult {
    const existing = this.readMeta();
    if (existing) {
      if (existing.tenantId !== meta.tenantId || existing.conversationId !== meta.conversationId) {
        return { ok: false, error: 'conversation_conflict' };
      }
      return { ok: true, meta: existing };
    }
    const created: ConversationMeta = { ...meta, title: meta.title ?? null, createdAt: Date.now() };
    this.ctx.storage.sql.exec(
      `INSERT INTO meta (key, value) VALUES ('meta', ?)`,
      JSON.stringify(created),
    );
    return { ok: true, meta: created };
  }

  meta(): ConversationMeta | null {
    return this.readMeta();
  }

  appendUserMessage(input: { content: string; messageId?: string }): {
    messageId: string;
    seq: number;
  } {
    const messageId = input.messageId ?? crypto.randomUUID();
    return { messageId, seq: this.append('user_message', messageId, { content: input.content }) };
  }

  /** `messageId` is the user message the retrieval served. */
  appendRetrieval(messageId: string, data: RetrievalData): { seq: number } {
    return { seq: this.append('retrieval', messageId, data) };
  }

  appendGeneration(data: GenerationData & { messageId?: string }): {
    messageId: string;
    seq: number;
  } {
    const { messageId = crypto.randomUUID(), ...rest } = data;
    return { messageId, seq: this.append('generation', messageId, rest) };
  }

  /**
   * A whole turn at once: the question, its retrieval and the answer, in one transaction. A turn
   * that fails before it has an answer therefore leaves nothing behind (src/chat/turn-log.ts).
   */
  appendTurn(turn: {
    user: { messageId: string; content: string };
    retrieval: RetrievalData | null;
    generation: GenerationData & { messageId?: string };
  }): { userSeq: number; messageId: string; seq: number } {
    return this.ctx.storage.transactionSync(() => {
      const userSeq = this.append('user_message', turn.user.messageId, {
        content: turn.user.content,
      });
      if (turn.retrieval) this.append('retrieval', turn.user.messageId, turn.retrieval);
      const { messageId, seq } = this.appendGeneration(turn.generation);
      return { userSeq, messageId, seq };
    });
  }

  addFeedback(
    messageId: string,
    rating: FeedbackData['rating'],
    comment?: string | null,
  ): FeedbackResult {
    const target = this.ctx.storage.sql
      .exec<{ n: number }>(
        `SELECT count(*) AS n FROM events WHERE message_id = ? AND type = 'generation'`,
        messageId,
      )
      .one();
    if (target.n === 0) return { ok: false, error: 'message_not_found' };
    return {
      ok: true,
      seq: this.append('feedback', messageId, { rating, comment: comment ?? null }),
    };
  }

  appendSummary(data: SummaryData): { seq: number } {
    return { seq: this.append('summary', null, data) };
  }

  events(options: { afterSeq?: number; limit?: number } = {}): ConversationEvent[] {
    const rows = this.ctx.storage.sql
      .exec<{ seq: number; type: string; message_id: string | null; at: number; data: string }>(
        `SELECT seq, type, message_id, at, data FROM events WHERE seq > ? ORDER BY seq LIMIT ?`,
        options.afterSeq ?? 0,
        options.limit ?? -1,
      )
      .toArray();
    return rows.map(
      (r) =>
        ({
          seq: r.seq,
          type: r.type,
          messageId: r.message_id,
          at: r.at,
          data: JSON.parse(r.data),
        }) as ConversationEvent,
    );
  }

  messages(): ChatMessage[] {
    return projectMessages(this.events());
  }

  summary(): SummaryData | null {
    return projectSummary(this.events());
  }

  /** What the next prompt should carry; fold `toFold` with a summariser, then appendSummary. */
  context(budget: ContextBudget): ContextPlan {
    const events = this.events();
    const turns: Turn[] = projectMessages(events).map((m) => ({
      seq: m.seq,
      role: m.role,
      content: m.content,
    }));
    return planContext(turns, projectSummary(events), budget);
  }

  /** Erases the conversation (log and meta). */
  async delete(): Promise<{ deleted: true }> {
    await this.ctx.storage.deleteAll();
    // The object may be called again (a new conversation under the same id).
    this.migrate();
    return { deleted: true };
  }
}
