/// <reference types="vite/client" />
/**
 * The zxing-wasm reader binary as a file of this build: Vite copies it from node_modules into the
 * output (`assets/zxing_reader-<hash>.wasm`) and gives its same-origin URL, so the kiosk never asks
 * the CDN zxing-wasm defaults to. Renderer only (Node has no `?url`: pass the bytes instead).
 */
import url from 'zxing-wasm/reader/zxing_reader.wasm?url';

export const ZXING_READER_WASM_URL: string = url;
