import { runComponent } from '../common/component-runtime.ts';
import { BackendConfig } from './backend-config.ts';
import { BackendServer } from './backend-server.ts';

await runComponent({
  name: 'backend',
  schema: BackendConfig,
  async start(config, log) {
    const server = new BackendServer(config, log.child({ backend: config.id }));
    const port = await server.start();
    return { ports: { http: port }, ready: Promise.resolve(), close: () => server.close() };
  },
});
