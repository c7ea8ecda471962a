import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DeviceConfig } from '../src/shared/deviceConfig';
import { describeUnknown, err, ok, summarizeIssues, type Result } from '../src/shared/result';

/**
 * The device configuration file, `<userData>/device-config.json`.
 *
 * Guarantees:
 * - Writes are atomic and durable: a temp file in the same folder is written and fsync'ed, renamed
 *   over the old file, and the folder is fsync'ed, so after a power cut the file is either the old
 *   or the new config, never half of one. Writes are serialised within the process.
 * - Reads validate with the shared zod schema. A missing file is `ok(null)` (not provisioned yet).
 *   An unreadable, non-JSON or invalid file is `config.corrupt`; the file is renamed aside
 *   (`device-config.json.corrupt-<time>`), never deleted, so a technician can inspect it.
 */

export const DEVICE_CONFIG_FILE = 'device-config.json';

export class DeviceConfigStore {
  readonly filePath: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.filePath = path.join(dir, DEVICE_CONFIG_FILE);
  }

  read(): Promise<Result<DeviceConfig | null>> {
    return this.serialised(() => this.readNow());
  }

  write(config: DeviceConfig): Promise<Result<DeviceConfig>> {
    return this.serialised(() => this.writeNow(config));
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async readNow(): Promise<Result<DeviceConfig | null>> {
    let text: string;
    try {
      text = await fs.readFile(this.filePath, 'utf8');
    } catch (e) {
      if (isErrno(e, 'ENOENT')) return ok(null);
      return err('config.unreadable', describeUnknown(e));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      return this.setAside(`not JSON: ${describeUnknown(e)}`);
    }
    const parsed = DeviceConfig.safeParse(json);
    if (!parsed.success) {
      const issues = summarizeIssues(parsed.error);
      return this.setAside(`does not match the schema: ${issues}`);
    }
    return ok(parsed.data);
  }

  private async setAside(reason: string): Promise<Result<never>> {
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const aside = `${this.filePath}.corrupt-${stamp}`;
    try {
      await fs.rename(this.filePath, aside);
      return err('config.corrupt', `${DEVICE_CONFIG_FILE} ${reason}; kept as ${path.basename(aside)}`);
    } catch (e) {
      return err('config.corrupt', `${DEVICE_CONFIG_FILE} ${reason}; could not set it aside: ${describeUnknown(e)}`);
    }
  }

  private async writeNow(config: DeviceConfig): Promise<Result<DeviceConfig>> {
    const parsed = DeviceConfig.safeParse(config);
    if (!parsed.success) return err('config.invalid', summarizeIssues(parsed.error));
    const tmp = path.join(this.dir, `.${DEVICE_CONFIG_FILE}.${randomUUID()}.tmp`);
    try {
      await fs.mkdir(this.dir, { recursive: true });
      const handle = await fs.open(tmp, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(parsed.data, null, 2)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(tmp, this.filePath);
      await fsyncDir(this.dir);
      return ok(parsed.data);
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => undefined);
      return err('config.write-failed', describeUnknown(e));
    }
  }
}

/** Makes the rename durable. Windows cannot open a directory for fsync; NTFS journals the rename. */
async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}
