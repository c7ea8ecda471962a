/**
 * QR decoding with zxing-wasm (zxing-cpp compiled to WebAssembly), reader build only.
 *
 * Guarantees: the .wasm comes from `source` (bytes, or a URL that the caller serves, fetched once),
 * never from zxing-wasm's CDN default; text is decoded as UTF-8 when the code carries no ECI header
 * (chip cards do not), so diacritics survive; a frame without a QR code gives null.
 */
import { prepareZXingModule, readBarcodes, type ReaderOptions } from 'zxing-wasm/reader';
import { AppFailure, describeUnknown } from '../../shared/result';
import type { QrDecoder, RgbaFrame } from './QrDecoder';

export type ZxingWasmSource = { readonly bytes: Uint8Array | ArrayBuffer } | { readonly url: string };

const READER_OPTIONS: ReaderOptions = {
  formats: ['QRCode'],
  tryHarder: true,
  // zxing-cpp's QR detector finds a code at any angle; tryRotate would only search the whole frame
  // again turned by 90/180/270° when nothing was found, which costs most on frames without a code
  // (bench `qr`: same decode rate, p95 lower without it). Cards never carry inverted codes.
  tryRotate: false,
  tryInvert: false,
  tryDownscale: true,
  maxNumberOfSymbols: 1,
  // Without ECI, zxing-cpp guesses; the cards are UTF-8, so say so.
  characterSet: 'UTF8',
  textMode: 'Plain',
};

/** One module instance per page: zxing-wasm caches it per factory, keyed by these overrides. */
let prepared: { key: ZxingWasmSource; ready: Promise<unknown> } | null = null;

function prepare(source: ZxingWasmSource): Promise<unknown> {
  if (prepared?.key === source) return prepared.ready;
  const overrides =
    'bytes' in source
      ? { wasmBinary: source.bytes instanceof Uint8Array ? source.bytes.slice().buffer : source.bytes }
      : // Emscripten asks for "zxing_reader.wasm"; answer with the served file, whatever it asks.
        { locateFile: (path: string, prefix: string) => (path.endsWith('.wasm') ? source.url : prefix + path) };
  const ready = prepareZXingModule({ overrides, fireImmediately: true }).catch((e: unknown) => {
    prepared = null;
    throw new AppFailure('qr.engine-unavailable', `zxing-wasm did not start: ${describeUnknown(e)}`.slice(0, 300), { cause: e });
  });
  prepared = { key: source, ready };
  return ready;
}

export function createZxingWasmDecoder(source: ZxingWasmSource): QrDecoder {
  let disposed = false;
  return {
    engine: 'zxing-wasm',
    async decode(frame: RgbaFrame) {
      if (disposed) return null;
      await prepare(source);
      const image = { width: frame.width, height: frame.height, data: frame.data, colorSpace: 'srgb' } as ImageData;
      const results = await readBarcodes(image, READER_OPTIONS);
      const first = results.find((r) => r.isValid);
      return first === undefined ? null : first.text;
    },
    dispose() {
      // The module is shared by every decoder of the page and costs nothing idle: keep it.
      disposed = true;
    },
  };
}
