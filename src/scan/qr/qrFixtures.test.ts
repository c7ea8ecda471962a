import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CCCD_QR_PNG, decodeGrayPng, encodeGrayPng, rasterizeQr } from '../../../scripts/fixtures/makeCccdQr';
import { CCCD_FIXTURE_PAYLOAD, cccdQrModules, zxingReaderWasmBytes } from '../../../test/support/qrFrames';
import { cccdFixtureY4m } from '../../../test/support/y4m';
import { parseCitizenIdQr } from '../../domain/citizenId';
import { createQrDecoder, DEFAULT_QR_ENGINE, QR_ENGINES, type RgbaFrame } from './QrDecoder';

const dir = mkdtempSync(join(tmpdir(), 'qr-fixtures-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function grayToRgba(width: number, height: number, gray: Uint8Array): RgbaFrame {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data[i * 4] = data[i * 4 + 1] = data[i * 4 + 2] = gray[i]!;
    data[i * 4 + 3] = 255;
  }
  return { width, height, data };
}

describe('test/fixtures/cccd-qr.png', () => {
  it('is what scripts/fixtures/makeCccdQr.ts makes (regenerate it when the payload changes)', () => {
    expect(encodeGrayPng(rasterizeQr(cccdQrModules(CCCD_FIXTURE_PAYLOAD))).equals(readFileSync(CCCD_QR_PNG))).toBe(true);
  });

  it.each(QR_ENGINES)('decodes with %s to a card the ID parser accepts', async (engine) => {
    const png = decodeGrayPng(readFileSync(CCCD_QR_PNG));
    const decoder = createQrDecoder(engine, { wasm: { bytes: zxingReaderWasmBytes() } });
    const text = await decoder.decode(grayToRgba(png.width, png.height, png.data));
    expect(text).toBe(CCCD_FIXTURE_PAYLOAD);
    const parsed = parseCitizenIdQr(text!, { year: 2026, month: 11, day: 24 });
    expect(parsed).toMatchObject({ ok: true });
  });
});

describe('cccdFixtureY4m', () => {
  it('writes a YUV4MPEG2 4:2:0 file whose frames show a readable card QR', async () => {
    const path = cccdFixtureY4m(join(dir, 'card.y4m'), { width: 640, height: 480 });
    const bytes = readFileSync(path);
    const headerEnd = bytes.indexOf(0x0a);
    const header = bytes.toString('latin1', 0, headerEnd);
    expect(header).toMatch(/^YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg$/);
    const frameBytes = (640 * 480 * 3) / 2;
    expect(bytes.length).toBe(headerEnd + 1 + 3 * (6 + frameBytes));
    expect(bytes.toString('latin1', headerEnd + 1, headerEnd + 7)).toBe('FRAME\n');
    // The Y plane of the first frame, studio swing (16–235) stretched back to 0–255.
    const y = bytes.subarray(headerEnd + 7, headerEnd + 7 + 640 * 480);
    const gray = Uint8Array.from(y, (v) => Math.max(0, Math.min(255, Math.round(((v - 16) * 255) / 219))));
    const decoder = createQrDecoder(DEFAULT_QR_ENGINE, { wasm: { bytes: zxingReaderWasmBytes() } });
    expect(await decoder.decode(grayToRgba(640, 480, gray))).toBe(CCCD_FIXTURE_PAYLOAD);
  });
});
