import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import seedJson from '../../assets/catalog/procedures.vi.json' with { type: 'json' };
import synonymsJson from '../../assets/search/synonyms.vi.json' with { type: 'json' };
import type { SearchSynonyms } from '../shared/searchSynonyms';
import { ReferenceDb } from '../storage/referenceDb';
import { applyPullPage } from '../storage/referenceRepository';
import { createProcedureCatalog } from './procedureCatalog';

const fresh = (name: string): ReferenceDb => new ReferenceDb(name, { indexedDB: new IDBFactory(), IDBKeyRange });

const publishedTable: SearchSynonyms = {
  id: 'vi',
  version: 2,
  equivalents: [],
  meanings: [{ say: ['giấy báo tử'], means: ['khai tử'] }],
  stopWords: [],
};

describe('procedure catalog search and the synonym table', () => {
  it('uses the shipped table until the centre publishes one, then the published one', async () => {
    const reference = fresh('synonyms-published');
    const catalog = createProcedureCatalog({ reference, loadSeedCatalog: async () => seedJson, seedCalendars: [], seedSynonyms: synonymsJson });
    // "BHYT" is in the shipped table: "bảo hiểm y tế" finds 1.014137 "Thủ tục cấp thẻ bảo hiểm y tế" by it.
    expect((await catalog.search('the bhyt', 3)).map((h) => h.procedure.code)).toContain('1.014137');

    await applyPullPage(reference, 'global', [{ seq: 1, entity: 'searchSynonyms', key: 'vi', op: 'put', data: publishedTable, checksum: 1 }], 1, 0);
    expect((await catalog.search('the bhyt', 3)).map((h) => h.procedure.code)).not.toContain('1.014137');
    expect((await catalog.search('giấy báo tử', 1)).map((h) => h.procedure.code)[0]).toMatch(/^1\.(000656|005461|000419|001766)$/);
  });

  it('searches words only when no table is shipped or published, and skips a table that fails the schema', async () => {
    const reference = fresh('synonyms-none');
    const catalog = createProcedureCatalog({ reference, loadSeedCatalog: async () => seedJson, seedCalendars: [], seedSynonyms: { id: 'NOT VALID' } });
    expect((await catalog.search('the bhyt', 3)).map((h) => h.procedure.code)).not.toContain('1.014137');
    expect((await catalog.search('khai sinh', 1)).length).toBe(1);
  });
});
