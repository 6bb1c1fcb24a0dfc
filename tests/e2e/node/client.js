// Calls GetCandles, ListEntries and StreamEvents of a running PARAYOK suite, using only proto/.
// Usage: node client.js <proto dir> <candle addr> <order addr> <vm id>; prints one JSON object.
const path = require('path');
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const [protoDir, candleAddr, orderAddr, vmId] = process.argv.slice(2);
const options = { includeDirs: [protoDir], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const pkg = grpc.loadPackageDefinition(loader.loadSync(
  ['parayok/v1/candles.proto', 'parayok/v1/orders.proto'], options)).parayok.v1;

function getCandles() {
  return new Promise((resolve, reject) => {
    const client = new pkg.CandleService(candleAddr, grpc.credentials.createInsecure());
    let count = 0;
    const call = client.GetCandles({ symbol: 'BTCUSDT', timeframe: 'TIMEFRAME_1H', limit: 24 });
    call.on('data', (batch) => { count += batch.open_time.length; });
    call.on('error', reject);
    call.on('end', () => resolve(count));
  });
}

function listEntries(client) {
  return new Promise((resolve, reject) => {
    client.ListEntries({ vm_id: vmId, page: { page_size: 5 } }, (err, reply) => {
      if (err) reject(err); else resolve(reply);
    });
  });
}

function firstEvent(client) {
  return new Promise((resolve, reject) => {
    const call = client.StreamEvents({ vm_id: vmId, after_event_id: '1' });
    call.on('data', (event) => { resolve(event); call.cancel(); });
    call.on('error', (err) => { if (err.code !== grpc.status.CANCELLED) reject(err); });
  });
}

(async () => {
  const orders = new pkg.OrderService(orderAddr, grpc.credentials.createInsecure());
  const candles = await getCandles();
  const entries = await listEntries(orders);
  const event = await firstEvent(orders);
  console.log(JSON.stringify({
    candles,
    entries: entries.entries.map((e) => ({ id: e.id, symbol: e.symbol, side: e.side })),
    total: entries.total,
    event: { id: event.event_id, vm_id: event.vm_id, kind: event.event },
  }));
  process.exit(0);
})().catch((err) => { console.error(String(err)); process.exit(1); });
