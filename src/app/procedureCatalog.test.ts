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

describe('procedure catalog freshness', () => {
  const procedure = (code: string, name: string) => ({ ...(seedJson as { code: string }[])[0]!, code, name, active: true });

  it('a pull in this page is searched at once; between pulls a keystroke reads nothing from IndexedDB', async () => {
    const reference = fresh('fresh-pull');
    let at = 1_000;
    const catalog = createProcedureCatalog({ reference, loadSeedCatalog: async () => seedJson, seedCalendars: [], now: () => at });
    expect(await catalog.search('khai sinh', 1)).toHaveLength(1);
    let cursorReads = 0;
    const get = reference.cursors.get.bind(reference.cursors);
    reference.cursors.get = ((key: string) => {
      cursorReads++;
      return get(key);
    }) as typeof reference.cursors.get;
    for (const q of ['kh', 'kha', 'khai', 'khai s']) await catalog.search(q, 5);
    at += 1_000;
    await catalog.search('khai si', 5);
    expect(cursorReads).toBe(0);

    await applyPullPage(
      reference,
      'global',
      [{ seq: 1, entity: 'procedure', key: '9.999001', op: 'put', data: procedure('9.999001', 'Cấp giấy phép nuôi chim yến'), checksum: 1 }],
      1,
      0,
    );
    expect((await catalog.search('chim yen', 1)).map((h) => h.procedure.code)).toEqual(['9.999001']);
  });

  it('a change this page did not make (another tab pulled) is searched within seconds', async () => {
    const reference = fresh('fresh-other-tab');
    let at = 1_000;
    const catalog = createProcedureCatalog({ reference, loadSeedCatalog: async () => seedJson, seedCalendars: [], now: () => at });
    expect(await catalog.search('chim yen', 1)).toEqual([]);
    // Written straight to the tables, as another page's pull would: this page's generation does not move.
    await reference.records.put({
      scope: 'global',
      entity: 'procedure',
      key: '9.999002',
      seq: 1,
      checksum: 1,
      data: procedure('9.999002', 'Cấp giấy phép nuôi chim yến'),
    });
    await reference.cursors.put({ scope: 'global', cursor: 1, pulledAt: 0 });
    expect(await catalog.search('chim yen', 1)).toEqual([]);
    at += 5_000;
    expect((await catalog.search('chim yen', 1)).map((h) => h.procedure.code)).toEqual(['9.999002']);
  });
});

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
