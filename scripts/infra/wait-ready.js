// Waits until Kafka answers a metadata request and MongoDB answers a ping, using the same
// clients the services use. Usage: node scripts/infra/wait-ready.js [timeoutSeconds]
const { Kafka, logLevel } = require('kafkajs');
const mongoose = require('mongoose');

const timeoutMs = Number(process.argv[2] ?? 60) * 1000;
const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const mongoUrl = process.env.MONGO_URL;

async function kafkaReady() {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    const { brokers: live } = await admin.describeCluster();
    return live.length > 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function mongoReady() {
  const conn = mongoose.createConnection(mongoUrl, { serverSelectionTimeoutMS: 2000 });
  try {
    await conn.asPromise();
    await conn.db.admin().ping();
    return true;
  } finally {
    await conn.close().catch(() => {});
  }
}

async function until(name, probe) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${name} not ready after ${timeoutMs / 1000}s${last ? `: ${last.message}` : ''}`);
}

Promise.all([until('kafka', kafkaReady), until('mongodb', mongoReady)]).then(
  () => process.exit(0),
  (err) => {
    console.error(`[infra] ${err.message}`);
    process.exit(1);
  },
);
