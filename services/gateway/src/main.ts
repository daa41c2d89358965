import http from 'node:http';
import path from 'node:path';
import { loadConfig, registerErrorTranslator } from '@tenantatlas/core';
import { ensureIndexes, pingMongo, infrastructureUnavailable } from '@tenantatlas/store';
import { connectInfrastructure, runService } from '@tenantatlas/runtime';
import { AcceptInvitationUseCase } from './app/accept-invitation.use-case';
import { AccessGuard } from './app/access-guard';
import { Identity } from './app/identity';
import { InviteMemberUseCase } from './app/invite-member.use-case';
import { LiveFeed } from './app/live-feed';
import { configSchema } from './config';
import { RateLimiter } from './domain/rate-limit';
import { connectDownstream } from './adapters/grpc/downstream';
import { httpApp } from './adapters/http/app';
import { OidcBearer } from './adapters/http/oidc';
import { liveConsumer } from './adapters/kafka/live-consumer';
import { KafkaSecurityEvents } from './adapters/kafka/security-events';
import { identityModels } from './adapters/mongo/identity-models';
import { MongoIdentityStore } from './adapters/mongo/identity-store';
import { pageTokenKey } from './adapters/mongo/page-token-key';
import { routeTable } from './route-table';

runService('gateway', async ({ logger, lifecycle }) => {
  registerErrorTranslator(infrastructureUnavailable);
  const config = loadConfig(configSchema);
  const infra = await connectInfrastructure('gateway', config, logger, lifecycle, (t) => [
    t.securityEvents,
    t.onboardingEvents,
    t.connectionsEvents,
    t.operationsEvents,
  ]);
  const models = identityModels(infra.mongo);
  await ensureIndexes(Object.values(models));

  // Every document here gets its events in the insert that creates it (a membership's change is a
  // new version), so the relay clears them by `_id` with no guard.
  const withEvents = [models.Workspace, models.Membership, models.MembershipRevision, models.ApiToken, models.Invitation];
  const relay = infra.startOutboxRelay({ models: withEvents });
  const securityEvents = new KafkaSecurityEvents(infra.publisher, infra.topics.securityEvents, logger);
  lifecycle.add('security events', () => securityEvents.flush());

  const store = new MongoIdentityStore(models, infra.topics.securityEvents, relay);
  const sessionTtlMs = config.SESSION_TTL_HOURS * 3_600_000;
  const identity = new Identity(store, sessionTtlMs);
  const oidc = config.OIDC_ISSUER
    ? new OidcBearer(
        { issuer: config.OIDC_ISSUER, audience: config.OIDC_AUDIENCE!, jwksUrl: config.OIDC_JWKS_URL, emailClaim: config.OIDC_EMAIL_CLAIM },
        logger,
      )
    : undefined;
  const guard = new AccessGuard(store, securityEvents);
  if (config.GATEWAY_SEED_ADMIN_EMAIL && config.GATEWAY_SEED_ADMIN_PASSWORD) {
    const seeded = await identity.seed(config.GATEWAY_SEED_ADMIN_EMAIL, config.GATEWAY_SEED_ADMIN_PASSWORD, config.GATEWAY_SEED_WORKSPACE);
    logger.info({ email: config.GATEWAY_SEED_ADMIN_EMAIL, created: seeded.created, workspaceId: seeded.workspace?.id }, 'seed admin ready');
  }

  const downstream = connectDownstream({
    onboarding: config.ONBOARDING_GRPC_ADDR,
    connections: config.CONNECTIONS_GRPC_ADDR,
    operations: config.OPERATIONS_GRPC_ADDR,
    audit: config.AUDIT_GRPC_ADDR,
  });
  lifecycle.add('downstream clients', () => downstream.close());

  const feed = new LiveFeed();
  const consumer = liveConsumer({ kafka: infra.kafka, topics: infra.topics, prefix: config.KAFKA_TOPIC_PREFIX, feed, logger });
  await consumer.start();
  lifecycle.add('live consumer', () => consumer.stop());

  const admin = infra.kafka.admin();
  await admin.connect();
  lifecycle.add('kafka admin', () => admin.disconnect());

  const app = httpApp({
    identity,
    guard,
    logger,
    pageTokenKey: await pageTokenKey(models),
    actorLimiter: new RateLimiter(config.RATE_LIMIT_PER_MINUTE),
    signInLimiter: new RateLimiter(config.SIGN_IN_RATE_LIMIT_PER_MINUTE),
    oidc,
    publicDir: path.resolve(__dirname, '../public'),
    routes: routeTable({
      identity,
      store,
      invite: new InviteMemberUseCase({ store, invitationTtlMs: config.INVITATION_TTL_HOURS * 3_600_000 }),
      accept: new AcceptInvitationUseCase({ store }),
      oidc,
      cookieSecure: config.COOKIE_SECURE,
      sessionTtlMs,
      publicUrl: config.PUBLIC_URL,
      downstream,
      feed,
    }),
    // Ready when our own stores answer; backend services being down only disables their routes.
    async readiness() {
      const [database, kafka] = await Promise.all([pingMongo(infra.mongo), admin.describeCluster().then(() => true, () => false)]);
      return { ready: database && kafka, checks: { database: database ? 'ok' : 'down', kafka: kafka ? 'ok' : 'down' } };
    },
  });

  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(config.HTTP_PORT, resolve));
  // SSE streams never end on their own: close them so shutdown does not wait for browsers.
  lifecycle.add('http server', () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())));
  logger.info({ url: `http://127.0.0.1:${config.HTTP_PORT}/` }, 'gateway listening');
});
