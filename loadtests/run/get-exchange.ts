import type { Dispatcher } from 'undici';
import type { Outcome } from '../drivers/open-model.ts';
import { transportErrorCode } from './load-client.ts';

/**
 * Sends GETs of one scenario through `pool.dispatch` with a handler that only counts the body's
 * bytes: no response stream and no async iteration per request, as `pool.request` needs. The
 * open-model driver sends tens of thousands of GETs a second, and bench:open-model measured the
 * stream and iterator as a large part of its CPU per request. The outcome is the one `exchange`
 * gives every other scenario: 2xx with its byte count, else the status and the relay's error code
 * (`x-relay-error`) or `http_<status>`; a transport failure is status 0 with its stable code.
 */
export function getSender(pool: Dispatcher, path: string, headers: Record<string, string>): () => Promise<Outcome> {
  const options: Dispatcher.DispatchOptions = { method: 'GET', path, headers };
  return () =>
    new Promise<Outcome>((resolve) => {
      let status = 0;
      let bytes = 0;
      let relayError: string | string[] | undefined;
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart() {}, // its presence tells undici this handler speaks the current interface
        onResponseStart(_controller, statusCode, responseHeaders) {
          status = statusCode;
          relayError = responseHeaders['x-relay-error'];
        },
        onResponseData(_controller, chunk) {
          bytes += chunk.length;
        },
        onResponseEnd() {
          if (status < 300) return resolve({ status, bytes });
          resolve({ status, errorCode: relayError ? String(relayError) : `http_${status}` });
        },
        onResponseError(_controller, err) {
          resolve({ status: 0, errorCode: transportErrorCode(err) });
        },
      };
      try {
        pool.dispatch(options, handler);
      } catch (err) {
        resolve({ status: 0, errorCode: transportErrorCode(err) });
      }
    });
}
