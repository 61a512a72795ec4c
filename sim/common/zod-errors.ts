import type { z } from 'zod';

/** One line per issue, each naming the offending field path, e.g. `groups.1.slots: must be > 0`. */
export function formatZodError(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      const where = [prefix, path].filter(Boolean).join('.');
      return `  - ${where || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}
