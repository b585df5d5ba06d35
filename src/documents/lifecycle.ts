import type { Database } from '../db/client';

/**
 * A reaction another feature attaches to documents being deleted. It runs inside the deleting
 * transaction (`tx`), so what it removes goes with the rows or not at all.
 */
export type DocumentsDeletedHook = (
  tx: Pick<Database, 'execute'>,
  tenantId: string,
  documentIds: string[],
) => Promise<unknown>;

/**
 * Named, so wiring twice (every `createApp()` call) replaces instead of repeating. Features
 * above documents register here at app build time (src/app.ts); documents imports none of them.
 */
const deletedHooks = new Map<string, DocumentsDeletedHook>();

export function onDocumentsDeleted(name: string, hook: DocumentsDeletedHook): void {
  deletedHooks.set(name, hook);
}

/** The names wired so far, for the test that guards the wiring. */
export const documentsDeletedHooks = (): string[] => [...deletedHooks.keys()];

export async function documentsDeleted(
  tx: Pick<Database, 'execute'>,
  tenantId: string,
  documentIds: string[],
): Promise<void> {
  for (const hook of deletedHooks.values()) await hook(tx, tenantId, documentIds);
}
