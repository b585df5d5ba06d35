/**
 * The one thing generation needs from retrieval: ranked chunk texts. Retrieval implements
 * `PassageRetriever`; everything here works on `RetrievedPassage` values.
 */
export interface RetrievedPassage {
  chunkId: string;
  documentId: string;
  title?: string;
  text: string;
  /** Higher is more relevant; only the order matters here. */
  score: number;
}

export interface PassageRetriever {
  retrieve(
    tenantId: string,
    query: string,
    options: { topK: number; documentIds?: string[] },
  ): Promise<RetrievedPassage[]>;
}

/** A passage as shown to the model: a short id the answer cites, e.g. "c3". */
export interface CitablePassage extends RetrievedPassage {
  citeId: string;
}

export function assignCiteIds(passages: RetrievedPassage[]): CitablePassage[] {
  return passages.map((passage, i) => ({ ...passage, citeId: `c${i + 1}` }));
}
