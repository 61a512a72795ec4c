// Shared settings for the k6 versions of relay-sim's profiles. k6 runs these .ts files natively
// (v0.57+). Only k6 APIs are used: no Node.js modules.
export const TARGET: string = __ENV.TARGET ?? 'http://127.0.0.1:8080';
/** The app's external host; the relay routes by Host. */
export const APP_HOST: string = __ENV.APP_HOST ?? `echo.localhost:${/:(\d+)\/?$/.exec(TARGET)?.[1] ?? '80'}`;
export const CONTROL: string = __ENV.CONTROL ?? 'http://127.0.0.1:9070';
export const RATE: number = Number(__ENV.RATE ?? 200);
export const DURATION: string = __ENV.DURATION ?? '30s';
export const hostHeaders = { headers: { Host: APP_HOST } };
