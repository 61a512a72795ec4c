import type { Logger } from '../common/logger.ts';
import type { DispatchMessage, PublishedAppConfig, WelcomeMessage } from '../protocol/messages.ts';
import { BackendCallError, callBackend, type BackendCallContext } from './backend-call.ts';
import { openBackendTunnel } from './backend-tunnel.ts';

/**
 * Runs one accepted dispatch (an HTTP request or a WebSocket tunnel) to its end and tells the
 * relay how it failed, if it did; resolves with the code for `connector_requests_total`. Never
 * rejects: even a synchronous throw (say, a header Node refuses) is a failed request, never a
 * crashed connector.
 */
export async function runDispatch(
  ctx: BackendCallContext,
  message: DispatchMessage,
  app: PublishedAppConfig | undefined,
  tunnelSettings: WelcomeMessage['websocket'],
  log: Logger,
): Promise<string> {
  try {
    if (!app) throw new BackendCallError('backend_unreachable', `app ${message.app} is not in this connector's configuration`);
    const outcome = await (message.kind === 'ws' ? openBackendTunnel(ctx, message, app, tunnelSettings) : callBackend(ctx, message, app));
    return String(outcome);
  } catch (err) {
    if (err instanceof BackendCallError) {
      ctx.link.send({ type: 'fail', id: message.id, code: err.code, detail: err.message });
      return err.code;
    }
    if (ctx.cancellation.cancelled) return 'cancelled'; // the relay cancelled it, or the link dropped
    // Cut mid-body, or refused before the backend was reached: tell the relay rather than leave
    // the request to its deadline (it ignores a fail for a request already over).
    log.debug({ err, id: message.id }, 'request ended early');
    ctx.link.send({ type: 'fail', id: message.id, code: 'backend_unreachable', detail: (err as Error).message.slice(0, 400) });
    return 'aborted';
  }
}
