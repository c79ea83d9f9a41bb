#!/bin/sh
# As in the Kafka distribution (the compose file's health check runs it).
exec java -Xmx128m -Dlog4j2.level=warn -cp "/opt/kafka/libs/*" org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
