import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { JOURNAL_DIR, JournalStore, parseJournal } from '../../electron/journalStore';
import type { OutboxEntry } from '../../src/shared/outbox';

const DEVICE_ID = '0190a5d2-7b3c-7def-8abc-1234567890ab';
const JOURNAL_ID = '0190a5d2-7b3c-7def-8abc-00000000000a';
const OTHER_JOURNAL_ID = '0190a5d2-7b3c-7def-8abc-00000000000b';

function entry(seq: number, args: unknown = { serviceGroupId: 'civil', note: `n${seq}` }): OutboxEntry {
  return {
    mutationId: `0190a5d2-7b3c-7def-8abc-${String(seq).padStart(12, '0')}`,
    deviceId: DEVICE_ID,
    deviceSeq: seq,
    name: 'ticket.issue@1',
    args,
    schemaVersion: 2,
    createdAt: 1_763_900_000_000 + seq,
    bytes: 100,
  };
}

function enospc(): Error {
  return Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
}

describe('JournalStore', () => {
  let userData: string;
  let store: JournalStore;
  let logs: string[];
  beforeEach(async () => {
    userData = await fs.mkdtemp(path.join(os.tmpdir(), 'hpasc-journal-test-'));
    logs = [];
    store = new JournalStore(userData, (m) => logs.push(m));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await fs.rm(userData, { recursive: true, force: true });
  });

  const file = () => store.fileOf(JOURNAL_ID);
  const lines = async () => (await fs.readFile(file(), 'utf8')).split('\n');

  it('init creates the journal folder', async () => {
    expect(await store.init()).toEqual({ ok: true, value: undefined });
    expect((await fs.stat(path.join(userData, JOURNAL_DIR))).isDirectory()).toBe(true);
  });

  it('reads nothing before the first append, even without the folder', async () => {
    expect(await store.read()).toEqual({ ok: true, value: { journals: [], marks: [] } });
  });

  it('appends one line per entry, fsyncs before answering, and reads them back', async () => {
    const realOpen = fs.open.bind(fs);
    const synced: string[] = [];
    vi.spyOn(fs, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
      const handle = await realOpen(...args);
      const realSync = handle.sync.bind(handle);
      handle.sync = async () => {
        synced.push(path.basename(String(args[0])));
        return realSync();
      };
      return handle;
    });
    expect(await store.append({ journalId: JOURNAL_ID, entries: [entry(1), entry(2)] })).toEqual({ ok: true, value: { appended: 2 } });
    expect(synced).toContain(`outbox-${JOURNAL_ID}.jsonl`);
    // A new file: the folder is fsync'ed too, so the file's name survives a power cut.
    expect(synced).toContain(JOURNAL_DIR);
    expect(await store.append({ journalId: JOURNAL_ID, entries: [entry(3)] })).toEqual({ ok: true, value: { appended: 1 } });

    expect(await lines()).toEqual([JSON.stringify(entry(1)), JSON.stringify(entry(2)), JSON.stringify(entry(3)), '']);
    // A fresh store (the next start) reads the same entries.
    expect(await new JournalStore(userData).read()).toEqual({
      ok: true,
      value: { journals: [{ journalId: JOURNAL_ID, entries: [entry(1), entry(2), entry(3)], skippedLines: 0 }], marks: [] },
    });
  });

  it('keeps one file per journal id and ignores foreign files', async () => {
    await store.append({ journalId: JOURNAL_ID, entries: [entry(1)] });
    await store.append({ journalId: OTHER_JOURNAL_ID, entries: [entry(7)] });
    await fs.writeFile(path.join(store.dir, 'notes.txt'), 'hello');
    await fs.writeFile(path.join(store.dir, 'outbox-not-a-uuid.jsonl'), `${JSON.stringify(entry(9))}\n`);
    const r = await store.read();
    expect(r.ok && r.value.journals.map((j) => [j.journalId, j.entries.map((e) => e.deviceSeq)])).toEqual([
      [JOURNAL_ID, [1]],
      [OTHER_JOURNAL_ID, [7]],
    ]);
  });

  it('ignores a torn final line, keeps every earlier line, and the next append starts a fresh line', async () => {
    await store.append({ journalId: JOURNAL_ID, entries: [entry(1), entry(2)] });
    // Power cut in the middle of the third line.
    const third = JSON.stringify(entry(3));
    await fs.appendFile(file(), third.slice(0, third.length - 17));
    expect(await store.read()).toEqual({
      ok: true,
      value: { journals: [{ journalId: JOURNAL_ID, entries: [entry(1), entry(2)], skippedLines: 1 }], marks: [] },
    });
    expect(logs.some((l) => l.includes('1 torn or invalid line'))).toBe(true);

    // After the restart the renderer appends entry 3 again (its append was never answered) and 4.
    expect(await store.append({ journalId: JOURNAL_ID, entries: [entry(3), entry(4)] })).toMatchObject({ ok: true });
    const r = await store.read();
    expect(r.ok && r.value.journals[0]?.entries.map((e) => e.deviceSeq)).toEqual([1, 2, 3, 4]);
    expect(r.ok && r.value.journals[0]?.skippedLines).toBe(1);
  });

  it('keeps a final line that is whole but lost its newline', async () => {
    await fs.mkdir(store.dir, { recursive: true });
    await fs.writeFile(file(), `${JSON.stringify(entry(1))}\n${JSON.stringify(entry(2))}`);
    await store.append({ journalId: JOURNAL_ID, entries: [entry(3)] });
    expect(await lines()).toEqual([JSON.stringify(entry(1)), JSON.stringify(entry(2)), JSON.stringify(entry(3)), '']);
  });

  it('skips invalid lines anywhere without losing the lines after them', async () => {
    await fs.mkdir(store.dir, { recursive: true });
    const content = [
      JSON.stringify(entry(1)),
      '{"not":"an entry"}',
      'garbage \u0000\u0000',
      JSON.stringify({ ...entry(2), deviceSeq: 0 }),
      '',
      JSON.stringify(entry(3)),
      '',
    ].join('\n');
    await fs.writeFile(file(), content);
    const r = await store.read();
    expect(r.ok && r.value.journals[0]).toEqual({ journalId: JOURNAL_ID, entries: [entry(1), entry(3)], skippedLines: 3 });
  });

  it('keeps the first copy of a duplicated mutationId', async () => {
    await store.append({ journalId: JOURNAL_ID, entries: [entry(1, { v: 'first' })] });
    await store.append({ journalId: JOURNAL_ID, entries: [entry(1, { v: 'second' }), entry(2)] });
    const r = await store.read();
    expect(r.ok && r.value.journals[0]?.entries).toEqual([entry(1, { v: 'first' }), entry(2)]);
  });

  it('keeps concurrent appends line-separated and complete', async () => {
    const big = 'x'.repeat(20_000);
    const calls = Array.from({ length: 40 }, (_, i) =>
      store.append({ journalId: JOURNAL_ID, entries: [entry(2 * i + 1, { big, i }), entry(2 * i + 2, { big, i })] }),
    );
    const results = await Promise.all([...calls, store.read(), store.confirm({ journalId: JOURNAL_ID, upToSeq: 0 })]);
    expect(results.every((r) => r.ok)).toBe(true);
    const text = await fs.readFile(file(), 'utf8');
    const all = text.split('\n');
    expect(all.pop()).toBe('');
    expect(all).toHaveLength(80);
    for (const line of all) expect(() => JSON.parse(line) as unknown).not.toThrow();
    const r = await store.read();
    expect(r.ok && r.value.journals[0]?.skippedLines).toBe(0);
    expect(r.ok && new Set(r.value.journals[0]?.entries.map((e) => e.deviceSeq)).size).toBe(80);
  });

  it('confirm drops confirmed entries by an atomic rewrite and deletes the file when empty', async () => {
    await store.append({ journalId: JOURNAL_ID, entries: [1, 2, 3, 4, 5].map((s) => entry(s)) });
    const renames: Array<[string, string]> = [];
    const realRename = fs.rename.bind(fs);
    vi.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
      renames.push([path.basename(String(from)), path.basename(String(to))]);
      return realRename(from, to);
    });

    expect(await store.confirm({ journalId: JOURNAL_ID, upToSeq: 3 })).toEqual({ ok: true, value: { remaining: 2 } });
    expect(await lines()).toEqual([JSON.stringify(entry(4)), JSON.stringify(entry(5)), '']);
    // Written to a temp file in the same folder and renamed over the journal.
    expect(renames).toHaveLength(1);
    expect(renames[0]?.[0]).toMatch(/^\.outbox-.*\.tmp$/);
    expect(renames[0]?.[1]).toBe(`outbox-${JOURNAL_ID}.jsonl`);
    expect(await fs.readdir(store.dir)).toEqual([`outbox-${JOURNAL_ID}.jsonl`]);

    // Nothing to drop: the file is left as it is.
    expect(await store.confirm({ journalId: JOURNAL_ID, upToSeq: 3 })).toEqual({ ok: true, value: { remaining: 2 } });
    expect(renames).toHaveLength(1);

    expect(await store.confirm({ journalId: JOURNAL_ID, upToSeq: 5 })).toEqual({ ok: true, value: { remaining: 0 } });
    expect(await fs.readdir(store.dir)).toEqual([]);
    expect(await store.read()).toEqual({ ok: true, value: { journals: [], marks: [] } });
    // Confirming a journal that has no file is fine.
    expect(await store.confirm({ journalId: OTHER_JOURNAL_ID, upToSeq: 10 })).toEqual({ ok: true, value: { remaining: 0 } });
  });

  it('confirm also drops a torn tail, so later appends start clean', async () => {
    await store.append({ journalId: JOURNAL_ID, entries: [entry(1), entry(2)] });
    await fs.appendFile(file(), '{"mutationId":"0190');
    expect(await store.confirm({ journalId: JOURNAL_ID, upToSeq: 1 })).toEqual({ ok: true, value: { remaining: 1 } });
    expect(await lines()).toEqual([JSON.stringify(entry(2)), '']);
  });

  it('a compaction that fails leaves the old journal whole and no temp file', async () => {
    await store.append({ journalId: JOURNAL_ID, entries: [entry(1), entry(2)] });
    const before = await fs.readFile(file(), 'utf8');
    vi.spyOn(fs, 'rename').mockRejectedValue(enospc());
    expect(await store.confirm({ journalId: JOURNAL_ID, upToSeq: 1 })).toMatchObject({ ok: false, error: { code: 'journal.write-failed' } });
    expect(await fs.readFile(file(), 'utf8')).toBe(before);
    expect(await fs.readdir(store.dir)).toEqual([`outbox-${JOURNAL_ID}.jsonl`]);
  });

  it('answers journal.write-failed on a full disk, keeps earlier lines and leaves no torn tail', async () => {
    await store.append({ journalId: JOURNAL_ID, entries: [entry(1)] });
    const realOpen = fs.open.bind(fs);
    vi.spyOn(fs, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
      const handle = await realOpen(...args);
      // The disk fills up after part of the data reached the file.
      handle.appendFile = async (data) => {
        await handle.write(String(data).slice(0, 25));
        throw enospc();
      };
      return handle;
    });
    const r = await store.append({ journalId: JOURNAL_ID, entries: [entry(2), entry(3)] });
    expect(r).toMatchObject({ ok: false, error: { code: 'journal.write-failed' } });
    expect(!r.ok && r.error.detail).toContain('ENOSPC');
    expect(logs.some((l) => l.includes('ENOSPC'))).toBe(true);
    vi.restoreAllMocks();
    expect(await lines()).toEqual([JSON.stringify(entry(1)), '']);
    // The disk has room again: the retry lands and nothing is lost.
    expect(await store.append({ journalId: JOURNAL_ID, entries: [entry(2), entry(3)] })).toMatchObject({ ok: true });
    const read = await store.read();
    expect(read.ok && read.value.journals[0]).toEqual({ journalId: JOURNAL_ID, entries: [entry(1), entry(2), entry(3)], skippedLines: 0 });
  });

  it('answers journal.write-failed when the file cannot even be opened or synced', async () => {
    const realOpen = fs.open.bind(fs);
    vi.spyOn(fs, 'open').mockRejectedValueOnce(enospc());
    expect(await store.append({ journalId: JOURNAL_ID, entries: [entry(1)] })).toMatchObject({ ok: false, error: { code: 'journal.write-failed' } });
    vi.restoreAllMocks();

    vi.spyOn(fs, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
      const handle = await realOpen(...args);
      handle.sync = () => Promise.reject(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
      return handle;
    });
    expect(await store.append({ journalId: JOURNAL_ID, entries: [entry(1)] })).toMatchObject({ ok: false, error: { code: 'journal.write-failed' } });
    vi.restoreAllMocks();
    // The unsynced bytes and the file this append created are gone; the queue still works.
    expect(await store.read()).toEqual({ ok: true, value: { journals: [], marks: [] } });
    expect(await store.append({ journalId: JOURNAL_ID, entries: [entry(1)] })).toMatchObject({ ok: true });
  });

  describe('counter high-water marks (reserve)', () => {
    const marks = async () => {
      const read = await store.read();
      return read.ok ? Object.fromEntries((read.value.marks ?? []).map((m) => [m.key, m.value])) : null;
    };

    it('keeps the highest mark per key, fsyncs before answering, and outlives the journal being trimmed', async () => {
      const realOpen = fs.open.bind(fs);
      const synced: string[] = [];
      vi.spyOn(fs, 'open').mockImplementation(async (...args: Parameters<typeof fs.open>) => {
        const handle = await realOpen(...args);
        const realSync = handle.sync.bind(handle);
        handle.sync = async () => {
          synced.push(path.basename(String(args[0])));
          return realSync();
        };
        return handle;
      });
      expect(await store.reserve({ marks: [{ key: 'seq|2026-12-02|A|0', value: 20 }] })).toEqual({
        ok: true,
        value: { marks: [{ key: 'seq|2026-12-02|A|0', value: 20 }] },
      });
      // The temp file was synced before the rename, then the folder.
      expect(synced.some((f) => f.startsWith('.counters.json.'))).toBe(true);
      expect(synced).toContain(JOURNAL_DIR);
      vi.restoreAllMocks();
      // A lower reservation never lowers the mark (two windows, or a counter restored lower).
      expect(
        await store.reserve({
          marks: [
            { key: 'seq|2026-12-02|A|0', value: 5 },
            { key: 'dseq|000.21.01.H26|2026-12-02', value: 20 },
          ],
        }),
      ).toEqual({
        ok: true,
        value: {
          marks: [
            { key: 'seq|2026-12-02|A|0', value: 20 },
            { key: 'dseq|000.21.01.H26|2026-12-02', value: 20 },
          ],
        },
      });
      // Confirming (trimming) the journal leaves the marks: they are what a restore continues above.
      await store.append({ journalId: JOURNAL_ID, entries: [entry(1)] });
      await store.confirm({ journalId: JOURNAL_ID, upToSeq: 1 });
      expect(await new JournalStore(userData).read()).toEqual({
        ok: true,
        value: {
          journals: [],
          marks: [
            { key: 'seq|2026-12-02|A|0', value: 20 },
            { key: 'dseq|000.21.01.H26|2026-12-02', value: 20 },
          ],
        },
      });
    });

    it('drops marks of days more than a week before the newest', async () => {
      await store.reserve({
        marks: [
          { key: 'seq|2026-11-20|A|0', value: 40 },
          { key: 'seq|2026-11-26|A|0', value: 40 },
        ],
      });
      await store.reserve({ marks: [{ key: 'seq|2026-12-02|B|1', value: 20 }] });
      expect(await marks()).toEqual({ 'seq|2026-11-26|A|0': 40, 'seq|2026-12-02|B|1': 20 });
    });

    it("keeps a reception-register book's mark for its year and the next, whatever the days", async () => {
      await store.reserve({ marks: [{ key: 'rseq|2025|03', value: 900 }] });
      await store.reserve({ marks: [{ key: 'rseq|2026|03', value: 40 }] });
      await store.reserve({ marks: [{ key: 'seq|2026-12-02|B|1', value: 20 }] });
      expect(await marks()).toEqual({ 'rseq|2025|03': 900, 'rseq|2026|03': 40, 'seq|2026-12-02|B|1': 20 });
      await store.reserve({ marks: [{ key: 'seq|2027-01-04|B|1', value: 20 }] });
      expect(await marks()).toEqual({ 'rseq|2026|03': 40, 'seq|2027-01-04|B|1': 20 });
    });

    it('a full disk answers journal.write-failed and keeps the previous marks whole', async () => {
      await store.reserve({ marks: [{ key: 'seq|2026-12-02|A|0', value: 20 }] });
      vi.spyOn(fs, 'rename').mockRejectedValue(enospc());
      expect(await store.reserve({ marks: [{ key: 'seq|2026-12-02|A|0', value: 40 }] })).toMatchObject({ ok: false, error: { code: 'journal.write-failed' } });
      vi.restoreAllMocks();
      expect(await marks()).toEqual({ 'seq|2026-12-02|A|0': 20 });
      expect((await fs.readdir(store.dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    });

    it('a damaged marks file reads as no marks, is logged, and the next reservation rewrites it', async () => {
      await store.init();
      await fs.writeFile(path.join(store.dir, 'counters.json'), '[{"key":"seq|2026-12-02|A|0","val');
      expect(await marks()).toEqual({});
      expect(logs.some((l) => l.includes('counters.json'))).toBe(true);
      await store.reserve({ marks: [{ key: 'seq|2026-12-02|A|0', value: 20 }] });
      expect(await marks()).toEqual({ 'seq|2026-12-02|A|0': 20 });
    });
  });

  it('refuses a journal id that is not a UUID even without the IPC schema', async () => {
    expect(await store.append({ journalId: '../../escape', entries: [entry(1)] })).toMatchObject({ ok: false, error: { code: 'journal.invalid' } });
    expect(await store.confirm({ journalId: '../x', upToSeq: 1 })).toMatchObject({ ok: false, error: { code: 'journal.invalid' } });
    expect(() => store.fileOf('a/b')).toThrow();
    expect(await fs.readdir(userData)).toEqual([]);
  });

  it('never logs entry contents', async () => {
    await store.append({ journalId: JOURNAL_ID, entries: [entry(1, { citizenName: 'Nguyễn Văn A' })] });
    await fs.appendFile(file(), '{"citizenName":"Nguyễn Văn B"');
    await store.read();
    expect(logs.join('\n')).not.toContain('Nguyễn');
  });
});

describe('parseJournal', () => {
  it('handles empty text and blank lines', () => {
    expect(parseJournal('')).toEqual({ kept: [], skippedLines: 0 });
    expect(parseJournal('\n\n')).toEqual({ kept: [], skippedLines: 0 });
  });
});
