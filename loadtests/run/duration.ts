const UNIT_S = { h: 3600, m: 60, s: 1, ms: 0.001 } as const;
const PART = /(\d+(?:\.\d+)?)(h|ms|m|s)/g;

/**
 * A run length as k6 and Go write it: `1h`, `1h30m`, `2m30s`, `90s`, `500ms`, or a plain number
 * of seconds. Seconds, or undefined when the text is not one.
 */
export function parseDurationS(text: string): number | undefined {
  if (/^\d+(?:\.\d+)?$/.test(text)) return Number(text);
  if (!/^(?:\d+(?:\.\d+)?(?:h|ms|m|s))+$/.test(text)) return undefined;
  let total = 0;
  for (const [, value, unit] of text.matchAll(PART)) total += Number(value) * UNIT_S[unit as keyof typeof UNIT_S];
  return total;
}
