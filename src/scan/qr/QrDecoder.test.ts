import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { blankFrame, CCCD_SAMPLE_PAYLOAD, cleanQrFrame, qrCorpus, zxingReaderWasmBytes } from '../../../test/support/qrFrames';
import { createQrDecoder, DEFAULT_QR_ENGINE, QR_ENGINES, type QrDecoder } from './QrDecoder';
import { purgeZXingModule, readBarcodes } from 'zxing-wasm/reader';
import { createZxingWasmDecoder } from './zxingWasmDecoder';

// The kiosk works offline: no engine may fetch anything. Every decode in this file runs with a
// fetch that fails the test if it is called.
const fetchSpy = vi.fn(() => Promise.reject(new Error('network access in a QR decoder')));
beforeAll(() => vi.stubGlobal('fetch', fetchSpy));
afterAll(() => vi.unstubAllGlobals());

const wasm = { bytes: zxingReaderWasmBytes() };
const decoders = new Map<string, QrDecoder>(QR_ENGINES.map((engine) => [engine, createQrDecoder(engine, { wasm })]));

describe.each(QR_ENGINES)('%s', (engine) => {
  const decoder = decoders.get(engine)!;

  it('returns a CCCD payload with its Vietnamese diacritics intact (UTF-8 without ECI, as on the cards)', async () => {
    const text = await decoder.decode(cleanQrFrame(640, 480));
    expect(text).toBe(CCCD_SAMPLE_PAYLOAD);
    expect(text?.normalize('NFC')).toContain('Nguyễn Thị Thu Hằng');
  });

  it('returns the same text when the code carries a UTF-8 ECI header', async () => {
    expect(await decoder.decode(cleanQrFrame(1280, 720, CCCD_SAMPLE_PAYLOAD, true))).toBe(CCCD_SAMPLE_PAYLOAD);
  });

  it('answers null for a frame without a QR code', async () => {
    expect(await decoder.decode(blankFrame(640, 480))).toBeNull();
  });

  it('answers null once disposed', async () => {
    const own = createQrDecoder(engine, { wasm });
    own.dispose();
    own.dispose();
    expect(await own.decode(cleanQrFrame(640, 480))).toBeNull();
  });
});

describe('default engine', () => {
  it(`(${DEFAULT_QR_ENGINE}) reads ≥ 95 % of camera-like frames and finds nothing where there is no code`, { timeout: 180_000 }, async () => {
    const decoder = decoders.get(DEFAULT_QR_ENGINE)!;
    const frames = [...qrCorpus({ width: 640, height: 480, count: 40, blanks: 4 }), ...qrCorpus({ width: 1280, height: 720, count: 16, blanks: 2, seed: 77 })];
    const misses: string[] = [];
    let withQr = 0;
    for (const frame of frames) {
      const text = await decoder.decode(frame);
      if (frame.expected !== null) withQr++;
      if (text !== frame.expected) misses.push(`${frame.label} → ${text === null ? 'null' : 'wrong text'}`);
    }
    const wrongBlanks = misses.filter((m) => m.includes('#blank'));
    expect(wrongBlanks).toEqual([]);
    expect(misses.length / withQr, misses.join('\n')).toBeLessThanOrEqual(0.05);
  });
});

describe('zxing-wasm .wasm loading', () => {
  it('never fetched anything while decoding from bytes', () => {
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('given a URL (the renderer case), fetches that URL only, never the CDN', async () => {
    const url = 'http://kiosk.invalid/assets/zxing_reader-test.wasm';
    const bytes = zxingReaderWasmBytes();
    const requested: string[] = [];
    fetchSpy.mockImplementation(((input: RequestInfo | URL) => {
      const asked = input instanceof Request ? input.url : String(input);
      requested.push(asked);
      return asked === url
        ? Promise.resolve(new Response(bytes, { headers: { 'content-type': 'application/wasm' } }))
        : Promise.reject(new Error(`unexpected fetch of ${asked}`));
    }) as never);
    const decoder = createZxingWasmDecoder({ url });
    expect(await decoder.decode(cleanQrFrame(640, 480))).toBe(CCCD_SAMPLE_PAYLOAD);
    expect(requested).toEqual([url]);
  });

  it('a .wasm that cannot be loaded is a qr.engine-unavailable failure, not a CDN request', async () => {
    const requested: string[] = [];
    fetchSpy.mockImplementation(((input: RequestInfo | URL) => {
      requested.push(String(input));
      return Promise.resolve(new Response('not found', { status: 404 }));
    }) as never);
    const decoder = createZxingWasmDecoder({ url: 'http://kiosk.invalid/missing.wasm' });
    await expect(decoder.decode(cleanQrFrame(640, 480))).rejects.toMatchObject({ code: 'qr.engine-unavailable' });
    expect(requested.every((u) => u === 'http://kiosk.invalid/missing.wasm')).toBe(true);
  });

  // Last: it drops the shared module. It shows the fetch stub above would have caught a CDN request.
  it('left to its defaults, zxing-wasm would fetch its .wasm from a CDN (what the decoder prevents)', async () => {
    const requested: string[] = [];
    fetchSpy.mockImplementation(((input: RequestInfo | URL) => {
      requested.push(String(input));
      return Promise.reject(new Error('offline'));
    }) as never);
    purgeZXingModule();
    await expect(readBarcodes(blankFrame(64, 64) as ImageData)).rejects.toBeDefined();
    expect(requested[0]).toMatch(/^https:\/\/[a-z.]*jsdelivr\.net\/npm\/zxing-wasm@3\.1\.4\//);
  });
});
