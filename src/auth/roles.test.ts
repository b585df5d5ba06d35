import { describe, expect, it } from 'vitest';
import { canManageRole, ROLES } from './roles';

describe('canManageRole', () => {
  it('follows owner > admin > editor/viewer/ingest', () => {
    const allowed = ROLES.flatMap((actor) =>
      ROLES.filter((target) => canManageRole(actor, target)).map((t) => `${actor}->${t}`),
    );
    expect(allowed).toEqual([
      'owner->owner',
      'owner->admin',
      'owner->editor',
      'owner->viewer',
      'owner->ingest',
      'admin->admin',
      'admin->editor',
      'admin->viewer',
      'admin->ingest',
      'editor->editor',
      'editor->viewer',
      'editor->ingest',
      'viewer->editor',
      'viewer->viewer',
      'viewer->ingest',
      'ingest->editor',
      'ingest->viewer',
      'ingest->ingest',
    ]);
  });
});
