import type { EnrolPostRequest, EnrolPostResponse } from '../src/shared/ipc';
import { err, ok, type Result } from '../src/shared/result';

/**
 * Sends the enrolment request for the renderer (see EnrolPostRequest in src/shared/ipc.ts): the
 * page's CSP lets it reach only the server it is configured for, and enrolment is how a new server
 * becomes that server. Only POST `<server>/v1/enrol` with a small JSON body (checked by the IPC
 * contract); the answer comes back as it came (status, type, body up to 64 KiB), so the renderer's
 * transport reads it exactly like a direct fetch. The one-time code is never logged.
 */
export const ENROL_TIMEOUT_MS = 20_000;
const MAX_ANSWER_CHARS = 65_536;

export async function enrolPost(request: EnrolPostRequest, fetchImpl: typeof fetch = fetch, timeoutMs = ENROL_TIMEOUT_MS): Promise<Result<EnrolPostResponse>> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetchImpl(request.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: request.body,
      redirect: 'error',
      signal: controller.signal,
    });
    const body = await res.text();
    if (body.length > MAX_ANSWER_CHARS) return err('enrol.bad-answer', `the server's answer is larger than ${MAX_ANSWER_CHARS} characters`);
    return ok({ status: res.status, contentType: (res.headers.get('content-type') ?? '').slice(0, 200), body });
  } catch (e) {
    // Network failures keep their name and cause code (ECONNREFUSED, ENOTFOUND, a timeout), nothing else.
    const cause = (e as { cause?: { code?: unknown } }).cause?.code;
    const what = controller.signal.aborted
      ? `no answer within ${timeoutMs / 1000} s`
      : `${e instanceof Error ? e.name : 'error'}${typeof cause === 'string' ? ` ${cause}` : ''}`;
    return err('enrol.network', `the server could not be reached: ${what}`);
  } finally {
    clearTimeout(timer);
  }
}
