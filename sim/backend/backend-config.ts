import { z } from 'zod';
import { AppService } from './app-service.ts';

export const BackendConfig = z.object({
  id: z.string().min(1),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535),
  /**
   * Serve `/metrics`, `/healthz` and `/readyz` to requests that came through the relay too. Off by
   * default: the relay always sets X-Forwarded-For, so relayed requests for them get 404 and the
   * sim's own telemetry is not published to users (Prometheus scrapes the backend directly).
   */
  publishOps: z.boolean().default(false),
  /** Apps with their own behaviour (topology `apps[].service`), served under `/apps/<name>/`. */
  services: z.record(z.string(), AppService).default({}),
});
export type BackendConfig = z.infer<typeof BackendConfig>;
