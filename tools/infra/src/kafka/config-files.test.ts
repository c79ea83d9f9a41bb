import { describe, expect, it } from 'vitest';
import { KAFKA_VERSION, LOG4J_VERSION } from '../settings.ts';
import { newClusterId, serverProperties } from './config-files.ts';
import { brokerPom } from './jars.ts';

describe('broker files', () => {
  it('configure a combined KRaft node whose internal topics fit one broker', () => {
    const properties = serverProperties('/data');
    for (const line of [
      'process.roles=broker,controller',
      'controller.quorum.voters=1@127.0.0.1:9093',
      'listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
      'log.dirs=/data',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
    ]) {
      expect(properties.split('\n')).toContain(line);
    }
  });

  it('resolve the pinned Kafka and a log4j2 binding', () => {
    const pom = brokerPom();
    expect(pom).toContain(`<artifactId>kafka_2.13</artifactId>\n      <version>${KAFKA_VERSION}</version>`);
    expect(pom).toContain(`<artifactId>log4j-slf4j-impl</artifactId>\n      <version>${LOG4J_VERSION}</version>`);
  });
});

describe('newClusterId', () => {
  it('never starts with "-", which the storage tool would read as a flag', () => {
    // Bytes whose base64url starts with "-" (0xf8 → "-"), then bytes that do not.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const seen: string[] = [];
    const id = newClusterId(() => {
      const b = draws.shift()!;
      seen.push(b.toString('base64url'));
      return b;
    });
    expect(seen.slice(0, 2).every((s) => s.startsWith('-'))).toBe(true);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
    expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
