// An Engine.IO v3 client driven over stdin/stdout by tests/web (socket.io-client 2.5, the version
// paraclient's vue-socket.io 3 bundles): long-polling first, then the websocket upgrade.
//
// argv: URL [JSON options for io()]. Prints {"op":"connected",...} or {"op":"connect_error",...};
// then reads one JSON command per line and prints one JSON line per answer:
//   {"op":"emit","event":E,"payload":P,"reply":R}  -> {"op":"reply","event":R,"data":...}
//   {"op":"emit","event":E}                        -> (no payload argument at all, like emit('get_ep_params'))
//   {"op":"wait","event":E}                        -> the next unread E (already received or to come)
//   {"op":"upgrade"}                               -> {"op":"transport","name":...} once on websocket
//   {"op":"transport"}                             -> {"op":"transport","name":...}
//   {"op":"close"}                                 -> exits
const io = require('socket.io-client');
const readline = require('readline');

const url = process.argv[2];
const opts = Object.assign({ reconnection: false, forceNew: true, timeout: 10000 }, JSON.parse(process.argv[3] || '{}'));
const socket = io(url, opts);
const inbox = {};
const waiters = {};

function out(obj) { process.stdout.write(JSON.stringify(obj) + '\n'); }

function deliver(event, data) {
  if (waiters[event] && waiters[event].length) { waiters[event].shift()(data); return; }
  (inbox[event] = inbox[event] || []).push(data);
}
function next(event) {
  return new Promise((resolve) => {
    if (inbox[event] && inbox[event].length) { resolve(inbox[event].shift()); return; }
    (waiters[event] = waiters[event] || []).push(resolve);
  });
}

const onevent = socket.onevent;
socket.onevent = function (packet) {
  const args = packet.data || [];
  deliver(args[0], args.length > 1 ? args[1] : null);
  onevent.call(this, packet);
};

socket.on('connect', () => out({ op: 'connected', transport: socket.io.engine.transport.name }));
socket.on('connect_error', (err) => {
  const line = JSON.stringify({ op: 'connect_error', error: String(err && (err.description || err.message || err)) }) + '\n';
  process.stdout.write(line, () => process.exit(3)); // exit only once the line is out (pipes are async)
});
socket.on('error', (err) => { out({ op: 'error', error: String(err) }); });
socket.on('disconnect', (reason) => deliver('__disconnect', reason));

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', async (line) => {
  const cmd = JSON.parse(line);
  if (cmd.op === 'emit') {
    const p = cmd.reply ? next(cmd.reply) : null;
    if ('payload' in cmd) socket.emit(cmd.event, cmd.payload); else socket.emit(cmd.event);
    if (p) out({ op: 'reply', event: cmd.reply, data: await p });
  } else if (cmd.op === 'wait') {
    out({ op: 'event', event: cmd.event, data: await next(cmd.event) });
  } else if (cmd.op === 'upgrade') {
    const engine = socket.io.engine;
    if (engine.transport.name !== 'websocket') await new Promise((r) => engine.once('upgrade', r));
    out({ op: 'transport', name: engine.transport.name });
  } else if (cmd.op === 'transport') {
    out({ op: 'transport', name: socket.io.engine.transport.name });
  } else if (cmd.op === 'close') {
    socket.close();
    process.exit(0);
  }
});
rl.on('close', () => { socket.close(); process.exit(0); });
