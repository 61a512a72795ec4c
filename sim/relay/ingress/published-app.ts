import type { RelayAppConfig } from '../relay-config.ts';

/** An app as the relay serves it: where it lives inside, and where users reach it. */
export interface PublishedApp {
  readonly name: string;
  readonly group: string;
  readonly internalUrl: string;
  readonly internalOrigin: string;
  readonly externalOrigin: string;
  readonly backendTimeoutMs: number;
  readonly translateHeaders: boolean;
  readonly preAuth: 'passthrough' | 'relay';
  readonly assignedUsers: readonly string[];
}

/** Resolves the Host header of a user request to a published app (`<app>.<domain>[:port]`). */
export class AppDirectory {
  readonly #byHost = new Map<string, PublishedApp>();
  readonly #domainSuffix: string;

  constructor(apps: readonly RelayAppConfig[], domain: string, externalPort: number, scheme: 'http' | 'https' = 'http') {
    this.#domainSuffix = `.${domain.toLowerCase()}`;
    const defaultPort = scheme === 'https' ? 443 : 80;
    const portSuffix = externalPort === defaultPort ? '' : `:${externalPort}`;
    for (const app of apps) {
      this.#byHost.set(app.name, {
        name: app.name,
        group: app.group,
        internalUrl: app.internalUrl,
        internalOrigin: new URL(app.internalUrl).origin,
        externalOrigin: `${scheme}://${app.name}${this.#domainSuffix}${portSuffix}`,
        backendTimeoutMs: app.backendTimeoutMs,
        translateHeaders: app.translateHeaders,
        preAuth: app.preAuth,
        assignedUsers: app.assignedUsers,
      });
    }
  }

  get apps(): readonly PublishedApp[] {
    return [...this.#byHost.values()];
  }

  resolve(hostHeader: string | undefined): PublishedApp | undefined {
    if (!hostHeader) return undefined;
    const host = hostHeader.toLowerCase().replace(/:\d+$/, '');
    if (!host.endsWith(this.#domainSuffix)) return undefined;
    return this.#byHost.get(host.slice(0, -this.#domainSuffix.length));
  }
}
