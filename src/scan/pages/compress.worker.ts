/// <reference lib="webworker" />
import { compressPage, type CompressOptions } from './compressPage';

/**
 * One compression worker of the pool (compressPool.ts): a page image in (an ImageBitmap, transferred,
 * or an image Blob), a CapturedPage Result out. OffscreenCanvas and its JPEG encoder run on this
 * worker's own thread, so two workers use both cores of a kiosk.
 */
interface Request {
  readonly id: number;
  readonly image: ImageBitmap | Blob;
  readonly options: CompressOptions;
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = async (event: MessageEvent<Request>) => {
  const { id, image, options } = event.data;
  try {
    const result = await compressPage(image, options);
    scope.postMessage({ id, result });
  } catch (e) {
    scope.postMessage({ id, result: { ok: false, error: { code: 'scan.image-failed', detail: String(e).slice(0, 300) } } });
  } finally {
    if (image instanceof ImageBitmap) image.close();
  }
};
