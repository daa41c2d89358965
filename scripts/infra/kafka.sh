#!/usr/bin/env bash
# Single-node Apache Kafka (KRaft) as a local process.
#   kafka.sh install | start | stop | wait | reset | status
# Env: INFRA_INSTANCE (dev), KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (the KRaft controller's
# listener; KAFKA_PORT+1 unless set).
# Jars come from Maven Central (cached in .cache/kafka/libs); data lives in .run/<instance>/kafka.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh" kafka

KAFKA_PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
LIBS="$CACHE_DIR/kafka/libs"

install() {
  [ -f "$LIBS/.complete" ] && return 0
  command -v java >/dev/null || die "java is required (Java 17+)"
  command -v mvn >/dev/null || die "mvn is required to fetch the Kafka jars"
  log "fetching Kafka jars from Maven Central (once)…"
  mkdir -p "$CACHE_DIR/kafka"
  # (released by the daemons `launch` starts: they must not hold it while they run)
  exec 8>"$CACHE_DIR/kafka/install.lock"; flock 8
  [ -f "$LIBS/.complete" ] && return 0
  rm -rf "$LIBS"
  mvn -B -q -f "$REPO_ROOT/scripts/infra/kafka/pom.xml" \
    -Dmaven.repo.local="$CACHE_DIR/m2" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$LIBS" >&2
  touch "$LIBS/.complete"
  log "Kafka jars ready ($(ls "$LIBS" | wc -l) files)"
}

write_config() {
  mkdir -p "$DATA"
  cat >"$RUN_DIR/kafka.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.retention.hours=24
PROPS
  cat >"$RUN_DIR/kafka-log4j.properties" <<PROPS
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaServer=INFO
log4j.logger.kafka.server.KafkaRaftServer=INFO
PROPS
}

JAVA_OPTS=(-Xms256m -Xmx768m -XX:+UseG1GC -XX:TieredStopAtLevel=1
  -Dlog4j.configuration="file:$RUN_DIR/kafka-log4j.properties" -cp "$LIBS/*")
java_cmd() { java "${JAVA_OPTS[@]}" "$@"; }

start() {
  install
  mkdir -p "$RUN_DIR"
  if is_running "$PIDFILE"; then log "already running (pid $(cat "$PIDFILE"), port $KAFKA_PORT)"; return 0; fi
  port_taken "$KAFKA_PORT" && die "port $KAFKA_PORT is in use by another process; set KAFKA_PORT"
  port_taken "$CONTROLLER_PORT" && die "port $CONTROLLER_PORT (the controller's) is in use by another process; set KAFKA_CONTROLLER_PORT"
  write_config
  if [ ! -f "$DATA/meta.properties" ]; then
    java_cmd kafka.tools.StorageTool format -t "$(java_cmd kafka.tools.StorageTool random-uuid)" \
      -c "$RUN_DIR/kafka.properties" >"$LOGFILE" 2>&1 || { cat "$LOGFILE" >&2; die "formatting storage failed"; }
  fi
  launch kafka "$KAFKA_PORT" 90 java "${JAVA_OPTS[@]}" kafka.Kafka "$RUN_DIR/kafka.properties"
}

infra_command kafka "$KAFKA_PORT" 90 "${1:-}"
