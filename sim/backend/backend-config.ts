import { z } from 'zod';

export const BackendConfig = z.object({
  id: z.string().min(1),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535),
});
export type BackendConfig = z.infer<typeof BackendConfig>;
