/**
 * Daemon glue for RADIUS: when iked.conf has `radius server` /
 * `radius accounting server` lines, build the RadiusService, register it as
 * the backend of `eap "radius"` policies in the daemon's EAP context, and
 * follow IKE SAs for accounting (Start on 'established', Stop on removal).
 * Called once after attachDaemonEap() in src/proc/daemon.ts and
 * src/proc/privsep/engine-main.ts.
 */
import type { Engine } from '../ikev2/engine';
import type { IkedConfig } from '../conf/types';
import type { DaemonEapContext } from '../eap/daemon-eap';
import type { EapBackendFactory, EapServerBackend } from '../ikev2/exchange/eap-backend';
import { RadiusService, radiusServiceFromConfig, attachRadiusAccounting } from './factory';
import type { RadiusLog } from './client';

export function attachDaemonRadius(engine: Engine, eap: DaemonEapContext, config: IkedConfig, log: RadiusLog): RadiusService | null {
  const service = radiusServiceFromConfig(config, { log });
  if (!service) return null;
  // The EAP exchange names the SA by its local SPI in hex: find the addresses for Calling-/Called-Station-Id.
  const factory: EapBackendFactory = {
    create(policyName: string, ikeSaSpi: string): EapServerBackend {
      let sa;
      try {
        sa = engine.sas.get(Buffer.from(ikeSaSpi.replace(/^0x/, ''), 'hex'));
      } catch {
        sa = undefined;
      }
      return service.create(policyName, ikeSaSpi, sa ? { peerAddress: sa.remote.address, localAddress: sa.local.address } : {});
    },
  };
  eap.radius = factory;
  const onEvent = attachRadiusAccounting(engine, service);
  // Engine has no 'established' callback besides its monitor sink: chain its event() on this instance.
  const prevEvent = engine.event.bind(engine);
  engine.event = (kind, message, sa) => {
    prevEvent(kind, message, sa);
    if (sa) onEvent(kind, `0x${sa.localSpi.toString('hex')}`);
  };
  const n = config.radius.servers.length;
  const a = config.radius.accountingServers.length;
  log.info(`radius: ${n} authentication server${n === 1 ? '' : 's'}, ${a} accounting server${a === 1 ? '' : 's'}`);
  return service;
}
