import fs from 'node:fs/promises';
import path from 'node:path';
import {
  CounterMark,
  JournalEntry,
  registerMarkYear,
  type JournalAppendRequest,
  type JournalAppendResponse,
  type JournalConfirmRequest,
  type JournalConfirmResponse,
  type JournalContents,
  type JournalReadResponse,
  type JournalReserveRequest,
  type JournalReserveResponse,
} from '../src/shared/ipc';
import type { OutboxEntry } from '../src/shared/outbox';
import { describeUnknown, err, ok, type Result } from '../src/shared/result';
import { fsyncDir, isErrno, removeFileDurably, writeFileAtomic } from './atomicFile';

/**
 * The outbox journal: an fsync'ed, append-only second copy of the IndexedDB outbox in
 * `<userData>/journal/outbox-<journalId>.jsonl`, one JSON outbox entry per line (DESIGN.md, "How
 * Electron apps lose IndexedDB": a full disk can make Chromium reset every IndexedDB database).
 *
 * Guarantees:
 * - `append` answers ok only after the lines are fsync'ed (and, for a new file, the folder too).
 *   Any failure (ENOSPC, EIO, permissions) is `journal.write-failed`; the file is truncated back to
 *   its previous size where possible, so a failed append leaves at most a torn tail.
 * - `read` tolerates a torn final line (power cut mid-write) and any other line that is not a valid
 *   entry: it is left out and counted (`skippedLines`), earlier and later lines are kept. A file
 *   whose tail is torn gets a newline before the next append, so a torn line never swallows a good
 *   one. A mutationId that appears twice (a retried append) is kept once, the first copy.
 * - `confirm` drops entries with deviceSeq ≤ upToSeq by rewriting the file atomically (temp file,
 *   fsync, rename, folder fsync) and deletes the file when nothing is left; lines that are not valid
 *   entries are dropped with it.
 * - `reserve` raises counter high-water marks (`counters.json`, never trimmed by `confirm`: the
 *   highest ticket number or dossier code this machine may have shown per day, group and slot) and
 *   answers only after the file is replaced atomically and fsync'ed; a mark never goes down. Marks
 *   of days more than a week before the newest are dropped; a reception-register book's mark
 *   (`rseq|<year>|<book>`) is kept until two years after its own. A damaged file reads as no marks (and
 *   is logged); the next reservation rewrites it whole. `read` returns the marks with the journals.
 * - All operations run one at a time through a single queue, so concurrent calls never interleave
 *   lines and a compaction never races an append. (One process only: main holds the single-instance
 *   lock.)
 * Logs name files and counts, never entry contents (arguments may hold personal data).
 */

export const JOURNAL_DIR = 'journal';
const COUNTERS_FILE = 'counters.json';
const MARK_DAYS_KEPT = 7;
const DAY = /\d{4}-\d{2}-\d{2}/;
const JOURNAL_FILE = /^outbox-([0-9a-fA-F-]{36})\.jsonl$/;
const NEWLINE = 0x0a;

interface ParsedJournal {
  /** Valid entries in file order, first copy of each mutationId, with their original line text. */
  readonly kept: ReadonlyArray<{ readonly entry: OutboxEntry; readonly line: string }>;
  readonly skippedLines: number;
}

/** Pure: parses a journal file's text. Exported for tests. */
export function parseJournal(text: string): ParsedJournal {
  const kept: Array<{ entry: OutboxEntry; line: string }> = [];
  const seen = new Set<string>();
  let skippedLines = 0;
  // After the last "\n" is either nothing (a clean end) or a tail whose write was cut short; a tail
  // that still parses as a whole valid entry (cut exactly before its newline) is kept.
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      skippedLines++;
      continue;
    }
    const parsed = JournalEntry.safeParse(json);
    if (!parsed.success) {
      skippedLines++;
      continue;
    }
    if (seen.has(parsed.data.mutationId)) continue;
    seen.add(parsed.data.mutationId);
    kept.push({ entry: parsed.data, line });
  }
  return { kept, skippedLines };
}

export class JournalStore {
  readonly dir: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    userDataDir: string,
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.dir = path.join(userDataDir, JOURNAL_DIR);
  }

  /** The journal's file. The id is checked here too (not only by the IPC schema): it becomes a file name. */
  fileOf(journalId: string): string {
    const name = `outbox-${journalId}.jsonl`;
    if (!JOURNAL_FILE.test(name)) throw new Error('journal id is not a UUID');
    return path.join(this.dir, name);
  }

  /** Creates the journal folder (at start, so a first append does not also pay for it). */
  init(): Promise<Result<void>> {
    return this.serialised(async () => {
      try {
        await this.ensureDir();
        return ok(undefined);
      } catch (e) {
        return err('journal.write-failed', `cannot create the journal folder: ${describeUnknown(e)}`);
      }
    });
  }

  append(request: JournalAppendRequest): Promise<Result<JournalAppendResponse>> {
    if (!isJournalId(request.journalId)) return Promise.resolve(err('journal.invalid', 'journal id is not a UUID'));
    return this.serialised(() => this.appendNow(request));
  }

  read(): Promise<Result<JournalReadResponse>> {
    return this.serialised(() => this.readNow());
  }

  confirm(request: JournalConfirmRequest): Promise<Result<JournalConfirmResponse>> {
    if (!isJournalId(request.journalId)) return Promise.resolve(err('journal.invalid', 'journal id is not a UUID'));
    return this.serialised(() => this.confirmNow(request));
  }

  reserve(request: JournalReserveRequest): Promise<Result<JournalReserveResponse>> {
    return this.serialised(() => this.reserveNow(request));
  }

  private async readMarks(): Promise<Map<string, number>> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.dir, COUNTERS_FILE), 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return new Map();
      throw e;
    }
    const marks = new Map<string, number>();
    try {
      const json = JSON.parse(text) as unknown;
      for (const item of Array.isArray(json) ? json : []) {
        const mark = CounterMark.safeParse(item);
        if (mark.success) marks.set(mark.data.key, Math.max(marks.get(mark.data.key) ?? 0, mark.data.value));
      }
    } catch {
      this.log(`journal ${COUNTERS_FILE}: unreadable, read as no marks`);
    }
    return marks;
  }

  private async reserveNow({ marks }: JournalReserveRequest): Promise<Result<JournalReserveResponse>> {
    try {
      await this.ensureDir();
      const stored = await this.readMarks();
      for (const m of marks) stored.set(m.key, Math.max(stored.get(m.key) ?? 0, m.value));
      const newest =
        [...stored.keys()]
          .map((k) => DAY.exec(k)?.[0] ?? '')
          .sort()
          .at(-1) ?? '';
      const oldestKept = newest ? new Date(Date.parse(`${newest}T00:00:00Z`) - MARK_DAYS_KEPT * 86_400_000).toISOString().slice(0, 10) : '';
      // A reception-register book (`rseq|<year>|…`) lives for its year: kept while its year is the
      // newest mark's year or the one before; daily marks go after a week.
      const newestYear = Number(newest.slice(0, 4)) || 0;
      for (const key of [...stored.keys()]) {
        const year = registerMarkYear(key);
        if (year !== null ? year < newestYear - 1 : (DAY.exec(key)?.[0] ?? '') < oldestKept) stored.delete(key);
      }
      const all = [...stored].map(([key, value]) => ({ key, value }));
      await writeFileAtomic(path.join(this.dir, COUNTERS_FILE), `${JSON.stringify(all)}\n`);
      return ok({ marks: marks.map((m) => ({ key: m.key, value: stored.get(m.key) ?? m.value })) });
    } catch (e) {
      this.log(`journal ${COUNTERS_FILE}: reservation failed: ${errnoCode(e)}`);
      return err('journal.write-failed', `${COUNTERS_FILE}: ${describeUnknown(e)}`);
    }
  }

  /** Creates the folder; a new folder's own name is made durable by fsyncing its parent. */
  private async ensureDir(): Promise<void> {
    const made = await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    if (made !== undefined) await fsyncDir(path.dirname(this.dir));
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendNow({ journalId, entries }: JournalAppendRequest): Promise<Result<JournalAppendResponse>> {
    const file = this.fileOf(journalId);
    const lines = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    let handle: fs.FileHandle | undefined;
    let sizeBefore: number | undefined;
    let created = false;
    try {
      await this.ensureDir();
      created = !(await exists(file));
      // 'a+': every write goes to the end (O_APPEND) and the last byte can be read back.
      handle = await fs.open(file, 'a+', 0o600);
      sizeBefore = (await handle.stat()).size;
      let prefix = '';
      if (sizeBefore > 0) {
        const last = Buffer.alloc(1);
        await handle.read(last, 0, 1, sizeBefore - 1);
        if (last[0] !== NEWLINE) prefix = '\n';
      }
      await handle.appendFile(prefix + lines, 'utf8');
      await handle.sync();
      if (created) await fsyncDir(this.dir);
      return ok({ appended: entries.length });
    } catch (e) {
      if (handle !== undefined && sizeBefore !== undefined) await handle.truncate(sizeBefore).catch(() => undefined);
      // A file this append created holds nothing acknowledged: do not leave an empty journal behind.
      if (created && handle !== undefined) {
        await handle.close().catch(() => undefined);
        handle = undefined;
        await fs.rm(file, { force: true }).catch(() => undefined);
      }
      this.log(`journal append to ${path.basename(file)} failed: ${errnoCode(e)}`);
      return err('journal.write-failed', `${path.basename(file)}: ${describeUnknown(e)}`);
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  private async readNow(): Promise<Result<JournalReadResponse>> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return ok({ journals: [], marks: [] });
      return err('journal.read-failed', describeUnknown(e));
    }
    const journals: JournalContents[] = [];
    for (const name of names.sort()) {
      const journalId = JOURNAL_FILE.exec(name)?.[1];
      if (journalId === undefined) continue;
      let text: string;
      try {
        text = await fs.readFile(path.join(this.dir, name), 'utf8');
      } catch (e) {
        if (isErrno(e, 'ENOENT')) continue;
        return err('journal.read-failed', `${name}: ${describeUnknown(e)}`);
      }
      const parsed = parseJournal(text);
      if (parsed.skippedLines > 0) this.log(`journal ${name}: left out ${parsed.skippedLines} torn or invalid line(s)`);
      journals.push({ journalId, entries: parsed.kept.map((k) => k.entry), skippedLines: parsed.skippedLines });
    }
    let marks: Map<string, number>;
    try {
      marks = await this.readMarks();
    } catch (e) {
      return err('journal.read-failed', `${COUNTERS_FILE}: ${describeUnknown(e)}`);
    }
    return ok({ journals, marks: [...marks].map(([key, value]) => ({ key, value })) });
  }

  private async confirmNow({ journalId, upToSeq }: JournalConfirmRequest): Promise<Result<JournalConfirmResponse>> {
    const file = this.fileOf(journalId);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return ok({ remaining: 0 });
      return err('journal.read-failed', `${path.basename(file)}: ${describeUnknown(e)}`);
    }
    const parsed = parseJournal(text);
    const keep = parsed.kept.filter((k) => k.entry.deviceSeq > upToSeq);
    try {
      if (keep.length === 0) {
        await removeFileDurably(file);
      } else if (keep.length < parsed.kept.length || parsed.skippedLines > 0 || !text.endsWith('\n')) {
        await writeFileAtomic(file, keep.map((k) => `${k.line}\n`).join(''));
      }
      return ok({ remaining: keep.length });
    } catch (e) {
      this.log(`journal compaction of ${path.basename(file)} failed: ${errnoCode(e)}`);
      return err('journal.write-failed', `${path.basename(file)}: ${describeUnknown(e)}`);
    }
  }
}

function isJournalId(journalId: string): boolean {
  return JOURNAL_FILE.test(`outbox-${journalId}.jsonl`);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}

function errnoCode(e: unknown): string {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : e instanceof Error ? e.name : 'unknown error';
}
