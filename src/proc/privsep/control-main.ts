/**
 * The control process: creates the control socket (as root, mode 0660), then
 * chroots to the empty directory as the unprivileged user and serves ikectl,
 * relaying to the engine (fd 5) and the parent.
 */
import { startControlServer } from '../control-server';
import { startChild, PEER_FD } from './child-runtime';
import { chrootAndDrop } from './privileges';
import { RemoteControl } from './remote-control';
import { M, MAX_FRAME, controlInitCheck, verboseCheck } from './messages';

function main(): void {
  const rt = startChild('control', MAX_FRAME.parentControl);
  const { log, parent } = rt;
  const engine = rt.channel(PEER_FD, 'engine->control', MAX_FRAME.engineControl);
  const ctl = new RemoteControl(engine, parent, (m) => log.warn(`control: ${m}`));
  let started = false;
  parent.handle(M.controlInit, controlInitCheck, async (init) => {
    if (started) throw new Error('control: already initialised');
    started = true;
    await startControlServer(init.socketPath, ctl, log);
    chrootAndDrop(init.chroot, init.uid, init.gid);
    log.debug(`control: serving ${init.socketPath} as uid ${init.uid} in ${init.chroot}`);
    return null;
  });
  parent.handle(M.logVerbose, verboseCheck, (r) => log.setVerbose(r.verbose ? Math.max(1, rt.args.verbose) : 0));
}

main();
