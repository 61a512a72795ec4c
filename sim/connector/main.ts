import { runComponent } from '../common/component-runtime.ts';
import { Connector } from './connector.ts';
import { ConnectorConfig } from './connector-config.ts';

await runComponent({
  name: 'connector',
  schema: ConnectorConfig,
  async start(config, log) {
    const connector = new Connector(config, log.child({ connector: config.id, group: config.group }));
    const ports = await connector.start();
    return { ports, ready: connector.ready, close: () => connector.close(), command: (c) => connector.command(c) };
  },
});
