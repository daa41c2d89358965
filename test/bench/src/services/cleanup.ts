import { connectMongo } from '@tenantatlas/store';
import { Kafka, logLevel } from 'kafkajs';

/** Removes the databases a service bench made (best effort: a bench that failed halfway still cleans up what exists). */
export async function dropDatabases(mongoUrl: string, names: string[]): Promise<void> {
  for (const name of names) {
    const mongo = await connectMongo(mongoUrl, name);
    await mongo.dropDatabase().catch(() => undefined);
    await mongo.close();
  }
}

/** Removes the bench's topics: every topic whose name starts with `prefix`. */
export async function deleteTopics(brokers: string[], prefix: string): Promise<void> {
  const admin = new Kafka({ clientId: 'bench-cleanup', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const mine = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}
