import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEVICE_CONFIG_FILE, DeviceConfigStore } from '../../electron/deviceConfigStore';
import { defaultDeviceConfig, type DeviceConfig } from '../../src/shared/deviceConfig';

const DEVICE_ID = '0190a5d2-7b3c-7def-8abc-1234567890ab';

describe('DeviceConfigStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hpasc-config-test-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('reads null before provisioning', async () => {
    expect(await new DeviceConfigStore(dir).read()).toEqual({ ok: true, value: null });
  });

  it('writes atomically and reads the config back', async () => {
    const store = new DeviceConfigStore(dir);
    const config: DeviceConfig = { ...defaultDeviceConfig(DEVICE_ID), branchCode: 'CN07', kioskSlot: 3, serverUrl: 'https://hpasc.example.vn' };
    expect(await store.write(config)).toEqual({ ok: true, value: config });
    expect(await store.read()).toEqual({ ok: true, value: config });
    // Only the final file remains: no temp file left behind.
    expect(await fs.readdir(dir)).toEqual([DEVICE_CONFIG_FILE]);
    // A fresh store (next start) sees the same file.
    expect(await new DeviceConfigStore(dir).read()).toEqual({ ok: true, value: config });
  });

  it('serialises concurrent writes; the last one wins', async () => {
    const store = new DeviceConfigStore(dir);
    const writes = Array.from({ length: 10 }, (_, i) => store.write({ ...defaultDeviceConfig(DEVICE_ID), kioskSlot: i }));
    const results = await Promise.all(writes);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(await store.read()).toMatchObject({ ok: true, value: { kioskSlot: 9 } });
    expect(await fs.readdir(dir)).toEqual([DEVICE_CONFIG_FILE]);
  });

  it('creates the folder if needed', async () => {
    const store = new DeviceConfigStore(path.join(dir, 'nested', 'userData'));
    expect((await store.write(defaultDeviceConfig(DEVICE_ID))).ok).toBe(true);
  });

  it('refuses to write an invalid config', async () => {
    const bad = { ...defaultDeviceConfig(DEVICE_ID), branchCode: 'lowercase' } as DeviceConfig;
    expect(await new DeviceConfigStore(dir).write(bad)).toMatchObject({ ok: false, error: { code: 'config.invalid' } });
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it.each([
    ['half-written JSON', '{"deviceId": "0190a5d2-7b3c'],
    ['valid JSON, wrong shape', JSON.stringify({ deviceId: 'not-a-uuid', role: 'citizen' })],
    ['empty file', ''],
  ])('reports %s as config.corrupt and keeps the file aside', async (_name, content) => {
    await fs.writeFile(path.join(dir, DEVICE_CONFIG_FILE), content);
    const store = new DeviceConfigStore(dir, () => new Date('2025-11-23T10:20:30.456Z'));
    const r = await store.read();
    expect(r).toMatchObject({ ok: false, error: { code: 'config.corrupt' } });
    const entries = await fs.readdir(dir);
    expect(entries).toEqual([`${DEVICE_CONFIG_FILE}.corrupt-2025-11-23T10-20-30-456Z`]);
    expect(await fs.readFile(path.join(dir, entries[0] ?? ''), 'utf8')).toBe(content);
    // The next read is "not provisioned"; a technician can re-provision.
    expect(await store.read()).toEqual({ ok: true, value: null });
  });
});
