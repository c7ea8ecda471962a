import { PDFDocument } from 'pdf-lib';
import { describe, expect, it } from 'vitest';
import { AppFailure } from '../../shared/result';
import { assembleDocumentPdf, PDF_PRODUCER } from './assembleDocumentPdf';
import { movePage, removePage, replacePage, rotate, totalBytes } from './pageList';
import { jpegPage, onePagePdf } from '../../../test/support/capturedPages';

/**
 * The pdf-lib half of src/scan/pages in Node (no canvas needed): assembly from given JPEG bytes,
 * imported PDF pages, and the list edits. Compression is tested in Chromium (test/e2e/capture.spec.ts).
 */

const META = { title: 'Giấy khai sinh', createdAt: Date.UTC(2026, 1, 12, 3, 0, 0) };

describe('assembleDocumentPdf', () => {
  it('puts an A4 page at 200 dpi on 595 × 842 pt, pages in list order, rotation as /Rotate', async () => {
    const pages = [jpegPage('a', 1654, 2339), rotate(jpegPage('b', 1165, 1654), 90), jpegPage('c', 2480, 3508, 300)];
    const doc = await PDFDocument.load(await assembleDocumentPdf(movePage(pages, 2, 0), META), { updateMetadata: false });
    expect(doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight()), p.getRotation().angle])).toEqual([
      [595, 842, 0],
      [595, 842, 0],
      [419, 595, 90],
    ]);
  });

  it('writes only the title, the app as producer/creator and the given date; same input, same bytes', async () => {
    const pages = [jpegPage('a', 1654, 2339)];
    const pdf = await assembleDocumentPdf(pages, META);
    const doc = await PDFDocument.load(pdf, { updateMetadata: false });
    expect(doc.getTitle()).toBe('Giấy khai sinh');
    expect(doc.getProducer()).toBe(PDF_PRODUCER);
    expect(doc.getCreator()).toBe(PDF_PRODUCER);
    expect(doc.getAuthor()).toBeUndefined();
    expect(doc.getSubject()).toBeUndefined();
    expect(doc.getKeywords()).toBeUndefined();
    expect(doc.getCreationDate()?.toISOString()).toBe('2026-02-12T03:00:00.000Z');
    expect(doc.getModificationDate()?.toISOString()).toBe('2026-02-12T03:00:00.000Z');
    expect(await assembleDocumentPdf(pages, META)).toEqual(pdf);
  });

  it('copies imported PDF pages and adds the page rotation to their own', async () => {
    const landscape = await onePagePdf(842, 595);
    const turned = await onePagePdf(595, 842, 90);
    const doc = await PDFDocument.load(await assembleDocumentPdf([landscape, rotate(turned, 90), jpegPage('x', 1654, 2339)], META));
    expect(doc.getPages().map((p) => [Math.round(p.getWidth()), Math.round(p.getHeight()), p.getRotation().angle])).toEqual([
      [842, 595, 0],
      [595, 842, 180],
      [595, 842, 0],
    ]);
  });

  it('refuses an empty document and bytes that are not a JPEG, with codes', async () => {
    await expect(assembleDocumentPdf([], META)).rejects.toMatchObject({ code: 'scan.no-pages' });
    const bad = { ...jpegPage('bad', 10, 10), bytes: new Blob(['not a jpeg']) };
    const failure = await assembleDocumentPdf([jpegPage('a', 10, 10), bad], META).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppFailure);
    expect(failure).toMatchObject({ code: 'scan.file-unreadable', message: expect.stringContaining('page 2 of 2') });
  });
});

describe('page list edits', () => {
  const [a, b, c] = [jpegPage('a', 10, 10), jpegPage('b', 10, 10), jpegPage('c', 10, 10)];
  const list = [a, b, c];

  it('rotates both ways through a full turn without touching the bytes', () => {
    expect(rotate(a, 90).rotation).toBe(90);
    expect(rotate(a, -90).rotation).toBe(270);
    expect(rotate(rotate(rotate(rotate(a, 90), 90), 90), 90).rotation).toBe(0);
    expect(rotate(a, 90).bytes).toBe(a.bytes);
  });

  it('moves, removes and replaces pages, leaving the input list as it was', () => {
    expect(movePage(list, 0, 2).map((p) => p.id)).toEqual(['b', 'c', 'a']);
    expect(movePage(list, 2, 0).map((p) => p.id)).toEqual(['c', 'a', 'b']);
    expect(movePage(list, 5, 0).map((p) => p.id)).toEqual(['a', 'b', 'c']);
    expect(removePage(list, 'b').map((p) => p.id)).toEqual(['a', 'c']);
    const retake = jpegPage('b2', 10, 10);
    expect(replacePage(list, 'b', retake).map((p) => p.id)).toEqual(['a', 'b2', 'c']);
    expect(list.map((p) => p.id)).toEqual(['a', 'b', 'c']);
    expect(totalBytes(list)).toBe(3 * a.sizeBytes);
  });
});
