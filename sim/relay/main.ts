import { runComponent } from '../common/component-runtime.ts';
import { Relay } from './relay.ts';
import { RelayConfig } from './relay-config.ts';

await runComponent({
  name: 'relay',
  schema: RelayConfig,
  async start(config, log, report) {
    const relay = new Relay(config, log.child({ relay: config.id }), report);
    const ports = await relay.start();
    return { ports: { ...ports }, ready: Promise.resolve(), close: () => relay.close(), command: (c) => relay.command(c) };
  },
});
