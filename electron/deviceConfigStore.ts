import fs from 'node:fs/promises';
import path from 'node:path';
import { DeviceConfig } from '../src/shared/deviceConfig';
import { describeUnknown, err, ok, summarizeIssues, type Result } from '../src/shared/result';
import { isErrno, writeFileAtomic } from './atomicFile';

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
    try {
      await fs.mkdir(this.dir, { recursive: true });
      await writeFileAtomic(this.filePath, `${JSON.stringify(parsed.data, null, 2)}\n`);
      return ok(parsed.data);
    } catch (e) {
      return err('config.write-failed', describeUnknown(e));
    }
  }
}
