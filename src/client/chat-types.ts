// The chat routes' wire format (POST /v1/conversations/:id/messages with stream: true, and
// POST /v1/answer), as named server-sent events.

export interface RetrievalEvent {
  type: 'retrieval';
  data: {
    chunks: Array<{ chunkId: string; documentId: string; score?: number; [k: string]: unknown }>;
  };
}
export interface DeltaEvent {
  type: 'delta';
  data: { text: string };
}
export interface CitationEvent {
  type: 'citation';
  data: {
    chunkId: string;
    documentId: string;
    start: number;
    end: number;
    quote: string;
    verified: boolean;
  };
}
export interface UsageEvent {
  type: 'usage';
  data: Record<string, unknown>;
}
export interface DoneEvent {
  type: 'done';
  data: { messageId: string; tier: string; [k: string]: unknown };
}
export interface ErrorEvent {
  type: 'error';
  data: { code?: string; message: string; [k: string]: unknown };
}
export type ChatEvent =
  RetrievalEvent | DeltaEvent | CitationEvent | UsageEvent | DoneEvent | ErrorEvent;

export interface Conversation {
  id: string;
  title: string | null;
  [k: string]: unknown;
}
